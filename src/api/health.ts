/**
 * GET /healthz: 200 while the server can authenticate agents (the registry is loaded), 503 before.
 * It does not probe DynamoDB or Kinesis: a dependency's outage is answered per request (503 with a
 * reason), and restarting the API would not cure it.
 */
import type { FastifyInstance } from 'fastify';
import type { RegistryHealth } from '../registry/watcher';

export function registerHealth(app: FastifyInstance, health: () => RegistryHealth, version: string): void {
  app.get('/healthz', async (_request, reply) => {
    const registry = health();
    reply.header('cache-control', 'no-store');
    if (!registry.loaded) reply.code(503);
    return { status: registry.loaded ? 'ok' : 'starting', version, registry };
  });
}
