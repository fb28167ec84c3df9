/**
 * The baseline of bench/ingest.ts: a bare fastify server, in its own process, that only parses the
 * same bodies Riposte's POST /v1/events gets (fastify's own JSON parser) and answers 202 with the
 * count. Prints its URL on standard output once it listens.
 */
import fastify from 'fastify';

async function main(): Promise<void> {
  const app = fastify({ bodyLimit: 1024 * 1024 });
  app.post('/v1/events', async (request, reply) => {
    const events = (request.body as { events?: unknown[] }).events;
    reply.code(202);
    return { accepted: Array.isArray(events) ? events.length : 0, rejected: [] };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
