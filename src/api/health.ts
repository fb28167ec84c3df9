/**
 * GET /healthz: 200 while the server can authenticate agents (the registry is loaded) and nothing it
 * checks is failing; 503 before it is loaded (`starting`) and while a check fails (`failing` names
 * them). It does not probe DynamoDB or Kinesis: a dependency's outage is answered per request (503
 * with a reason), and restarting the API would not cure it. A registry whose content is broken (a
 * file edited by hand, a record that is not one) is a failing check: the server goes on with its last
 * good snapshot, but new applications and token changes no longer reach it until someone mends it.
 * A part of the process that died (the local driver, the digester, an embedded emulator's thread) is
 * failing too, named in `failing` and described in `failed`; its process then stops.
 */
import type { FastifyInstance } from 'fastify';
import { messageOf, type PartFailure } from '../observability/failures';
import type { RegistryHealth } from '../registry/watcher';

export interface HealthSources {
  health(): RegistryHealth;
  /** Why the registry is broken, or null (RegistryWatcher.broken). */
  broken(): string | null;
}

export function registerHealth(app: FastifyInstance, registry: HealthSources, version: string, failures: () => readonly PartFailure[] = () => []): void {
  app.get('/healthz', async (_request, reply) => {
    const state = registry.health();
    const failed = failures();
    const failing = [...(registry.broken() === null ? [] : ['registry']), ...failed.map((f) => f.part)];
    reply.header('cache-control', 'no-store');
    if (!state.loaded || failing.length > 0) reply.code(503);
    return {
      status: !state.loaded ? 'starting' : failing.length > 0 ? 'failing' : 'ok',
      version,
      registry: state,
      failing,
      failed: failed.map((f) => ({ part: f.part, error: messageOf(f.error) })),
    };
  });
}
