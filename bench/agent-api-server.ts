/**
 * The server side of bench/agent-api.ts, in its own process so that the load generator does not
 * share its event loop: the agent API as production composes it (registry, DynamoDB responses store
 * on dynalite, Redis read cache and change feed), with `responses` active bans for one application.
 * Prints one JSON line `{ url, token, prefix }` on standard output once it listens.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ResponseReader } from '../src/core/ports';
import { builtInDetectors } from '../detectors';
import { buildApi } from '../src/api/app';
import type { EventPublisher } from '../src/api/event-publisher';
import { LocalChangeFeed } from '../src/cache/change-feed';
import { connectApiRedis } from '../src/cache/redis';
import { RedisChangeFeed } from '../src/cache/redis-change-feed';
import { RedisResponseCache } from '../src/cache/redis-response-cache';
import type { ResponseCache } from '../src/cache/response-cache';
import { FileRegistryStore } from '../src/registry/file-store';
import { AppRegistry } from '../src/registry/registry';
import { RegistryWatcher } from '../src/registry/watcher';
import { DynamoResponseStore } from '../src/sinks/dynamodb/responses-store';
import { startDynalite } from '../test/helpers/dynalite';
import { manyResponses } from '../test/helpers/responses';

/** Every read goes to the store: the baseline the cache is measured against. */
const noCache: ResponseCache = { read: (_appId, _field, load) => load(), invalidate: async () => undefined };

/** The bench never posts events. */
const noStream: EventPublisher = { publish: async (_key, records) => ({ failed: records.map((_, i) => i), lastError: 'no stream in this bench' }) };

async function main(): Promise<void> {
  const cached = process.argv[2] !== 'uncached';
  const count = Number(process.argv[3] ?? 50);
  const dynamo = await startDynalite();
  const table = await dynamo.responsesTable();
  const store = new DynamoResponseStore(dynamo.client(), table);
  await store.write(manyResponses(count, { appId: 'shop', createdAtMs: Date.now(), durationSeconds: 86400 }));

  const dir = await mkdtemp(join(tmpdir(), 'riposte-bench-'));
  const registryStore = FileRegistryStore.inDataDir(dir);
  const { token } = await new AppRegistry(registryStore, builtInDetectors).add('shop');
  const watcher = new RegistryWatcher(registryStore);
  await watcher.start();

  const prefix = `riposte-bench:${process.pid}:`;
  let cache: ResponseCache = noCache;
  let feed: RedisChangeFeed | LocalChangeFeed = new LocalChangeFeed();
  if (cached) {
    const redis = await connectApiRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
    cache = new RedisResponseCache(redis, { prefix });
    const redisFeed = new RedisChangeFeed(redis, { prefix });
    await redisFeed.start();
    feed = redisFeed;
  }
  const reader: ResponseReader = store;
  const app = buildApi({ registry: watcher, publisher: noStream, reader, cache, feed });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, token, prefix })}\n`);
  // Exits cleanly on SIGTERM, so that --cpu-prof can write its profile.
  process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
