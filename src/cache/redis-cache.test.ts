/** The Redis cache and change feed against the real Redis at 127.0.0.1:6379 (or REDIS_URL), under a prefix of their own. */
import { Redis } from 'ioredis';
import { MemoryResponseStore } from '../sinks/memory-store';
import { banResponse } from '../../test/helpers/api-harness';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/helpers/redis';
import { NotifyingResponseSink, ResponseChangeNotifier } from './response-change-notifier';
import { connectApiRedis } from './redis';
import { RedisChangeFeed } from './redis-change-feed';
import { RedisResponseCache } from './redis-response-cache';
import type { ChangeFeed } from './change-feed';
import { AgentReads } from '../api/agent-reads';

const base = uniquePrefix('cache');
const prefix = `${base}:`;
const connections: Redis[] = [];
const feeds: RedisChangeFeed[] = [];

async function connect(): Promise<Redis> {
  const redis = await connectApiRedis(TEST_REDIS_URL);
  connections.push(redis);
  return redis;
}

afterAll(async () => {
  for (const feed of feeds) await feed.close();
  await deletePrefix(connections[0] ?? (await connect()), base);
  for (const c of connections) await c.quit();
});

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RedisResponseCache', () => {
  test('Redis back from an older snapshot does not make the agent API serve reads from before a write', async () => {
    const redis = await connect();
    const store = new MemoryResponseStore();
    const cache = new RedisResponseCache(redis, { prefix });
    await store.write([banResponse('snap', '203.0.113.1')]);
    expect((await new AgentReads(store, cache).active('snap')).responses).toHaveLength(1);
    const keys = [`${prefix}app:{snap}:reads`, `${prefix}app:{snap}:gen`];
    const snapshot = await Promise.all(keys.map((key) => redis.dumpBuffer(key)));
    // A write, announced as it should be; then Redis restarts from the snapshot taken before it.
    await store.write([banResponse('snap', '203.0.113.2')]);
    await cache.invalidate(['snap']);
    for (const [i, key] of keys.entries()) {
      await redis.del(key);
      const dump = snapshot[i];
      if (dump !== null && dump !== undefined) await redis.restore(key, 0, dump);
    }
    // Another API process (no copy of its own) reads the application.
    const other = new AgentReads(store, new RedisResponseCache(await connect(), { prefix }));
    expect((await other.active('snap')).responses.map((r) => r.target.value)).toEqual(['203.0.113.1', '203.0.113.2']);
  });


  test('a read is loaded once and then served from Redis, to this process and to another', async () => {
    const a = new RedisResponseCache(await connect(), { prefix });
    const b = new RedisResponseCache(await connect(), { prefix });
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await a.read('app-1', 'active', load)).toEqual({ n: 1 });
    expect(await a.read('app-1', 'active', load)).toEqual({ n: 1 });
    expect(await b.read('app-1', 'active', load)).toEqual({ n: 1 });
    expect(loads).toBe(1);
  });

  test('invalidating an application drops its reads and only its reads', async () => {
    const cache = new RedisResponseCache(await connect(), { prefix });
    let loads = 0;
    const load = async () => ++loads;
    await cache.read('app-2', 'active', load);
    await cache.read('app-3', 'active', load);
    await cache.invalidate(['app-2']);
    expect(await cache.read('app-2', 'active', load)).toBe(3);
    expect(await cache.read('app-3', 'active', load)).toBe(2);
  });

  test('a load that raced with an invalidation is returned but not cached', async () => {
    const cache = new RedisResponseCache(await connect(), { prefix });
    const slow = deferred<string>();
    const stale = cache.read('app-4', 'active', () => slow.promise);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cache.invalidate(['app-4']);
    slow.resolve('read before the write');
    expect(await stale).toBe('read before the write');
    expect(await cache.read('app-4', 'active', async () => 'read after the write')).toBe('read after the write');
  });

  test('concurrent misses in one process share one load', async () => {
    const cache = new RedisResponseCache(await connect(), { prefix });
    let loads = 0;
    const gate = deferred<void>();
    const load = async () => (await gate.promise, ++loads);
    const reads = Promise.all([1, 2, 3, 4].map(() => cache.read('app-5', 'tail', load)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    gate.resolve();
    expect(await reads).toEqual([1, 1, 1, 1]);
    expect(loads).toBe(1);
  });

  test('entries expire after the TTL', async () => {
    const cache = new RedisResponseCache(await connect(), { prefix, ttlMs: 100 });
    let loads = 0;
    await cache.read('app-6', 'active', async () => ++loads);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cache.read('app-6', 'active', async () => ++loads)).toBe(2);
  });

  test('with Redis unreachable, reads go to the store and the failure is counted', async () => {
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => undefined);
    const outcomes: string[] = [];
    const cache = new RedisResponseCache(down, { prefix, onOutcome: (o) => outcomes.push(o) });
    expect(await cache.read('app-7', 'active', async () => 'from the store')).toBe('from the store');
    expect(outcomes).toEqual(['error']);
    down.disconnect();
  });
});

describe('RedisChangeFeed', () => {
  async function feed(): Promise<RedisChangeFeed> {
    const f = new RedisChangeFeed(await connect(), { prefix });
    await f.start();
    feeds.push(f);
    return f;
  }

  test("a change published by one process wakes the other's listeners of that application, quickly", async () => {
    const writer = await feed();
    const reader = await feed();
    const woken = deferred<number>();
    let otherApp = 0;
    reader.subscribe('app-a', () => woken.resolve(Date.now()));
    reader.subscribe('app-b', () => otherApp++);
    const sent = Date.now();
    await writer.publish(['app-a']);
    expect((await woken.promise) - sent).toBeLessThan(200);
    expect(otherApp).toBe(0);
  });

  test('an unsubscribed listener is not called', async () => {
    const f = await feed();
    let calls = 0;
    const unsubscribe = f.subscribe('app-c', () => calls++);
    unsubscribe();
    const check = deferred<void>();
    f.subscribe('app-c', () => check.resolve());
    await f.publish(['app-c']);
    await check.promise;
    expect(calls).toBe(0);
  });
});

describe('NotifyingResponseSink', () => {
  test('after a write the cache of the application is dropped, then its waiters are woken', async () => {
    const cache = new RedisResponseCache(await connect(), { prefix });
    const f = new RedisChangeFeed(await connect(), { prefix });
    await f.start();
    feeds.push(f);
    const store = new MemoryResponseStore();
    const sink = new NotifyingResponseSink(store, new ResponseChangeNotifier(cache, f));
    await cache.read('app-n', 'active', async () => 'before');
    const woken = deferred<string>();
    f.subscribe('app-n', () => void cache.read('app-n', 'active', async () => 'after').then(woken.resolve));
    await sink.write([banResponse('app-n', '203.0.113.7')]);
    expect(await woken.promise).toBe('after');
    expect(store.size).toBe(1);
  });

  test('a write succeeds even when Redis is down; the failures are logged', async () => {
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => undefined);
    const errors: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
    const store = new MemoryResponseStore();
    const notifier = new ResponseChangeNotifier(new RedisResponseCache(down, { prefix }), new RedisChangeFeed(down, { prefix }), logger);
    await new NotifyingResponseSink(store, notifier).write([banResponse('app-m', '203.0.113.7')]);
    expect(store.size).toBe(1);
    expect(errors).toEqual(['cannot invalidate cached agent reads; they expire on their own', 'cannot wake waiting agents; they learn at the end of their wait']);
    down.disconnect();
  });

  test('a failed write notifies nobody', async () => {
    const published: string[][] = [];
    const feedSpy: ChangeFeed = { publish: async (ids) => void published.push([...ids]), subscribe: () => () => undefined };
    const failing = { write: async () => Promise.reject(new Error('throttled')) };
    const sink = new NotifyingResponseSink(failing, new ResponseChangeNotifier(new RedisResponseCache(await connect(), { prefix }), feedSpy));
    await expect(sink.write([banResponse('app-f', '203.0.113.7')])).rejects.toThrow('throttled');
    expect(published).toEqual([]);
  });
});
