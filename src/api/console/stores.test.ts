/**
 * Console sessions and event counts, in memory and in the real Redis: both backends keep the same
 * promises, run through the same cases.
 */
import type Redis from 'ioredis';
import { connectRedis, deletePrefix, uniquePrefix } from '../../../test/helpers/redis';
import { waitFor } from '../../../test/helpers/wait';
import { MemoryEventCounts, MINUTE_MS, RedisEventCounts, type EventCounts } from './event-counts';
import { RedisSessionStore } from './redis-sessions';
import { MemorySessionStore, type SessionStore } from './sessions';

let redis: Redis;
const prefix = `${uniquePrefix('console')}:`;
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  await deletePrefix(redis, prefix.slice(0, -1));
  redis.disconnect();
});

describe.each([
  ['memory', (idleMs: number, maxMs: number) => new MemorySessionStore({ idleMs, maxMs })],
  ['Redis', (idleMs: number, maxMs: number) => new RedisSessionStore(redis, { idleMs, maxMs }, { prefix })],
] as const)('sessions in %s', (_name, make: (idleMs: number, maxMs: number) => SessionStore) => {
  test('a session is found by its id, with its CSRF token, and by nothing else', async () => {
    const store = make(60_000, 3600_000);
    const { id, session } = await store.create();
    expect(await store.use(id)).toEqual(session);
    expect(await store.use(`${id.slice(0, -1)}A`)).toBeUndefined();
    expect(await store.use('not a session id')).toBeUndefined();
  });

  test('ending a session ends it', async () => {
    const store = make(60_000, 3600_000);
    const { id } = await store.create();
    await store.end(id);
    expect(await store.use(id)).toBeUndefined();
  });

  test('an idle session ends; a used one lives on until its hard end', async () => {
    // Wide margins: the busy session is used every 25 ms, and a loaded machine must not make that a second.
    const store = make(1000, 4000);
    // Before the sessions begin: their hard end is counted from their creation.
    const started = Date.now();
    const idle = await store.create();
    const busy = await store.create();
    // Looking at the idle one would use it: only the busy one is used while its idle time passes.
    await waitFor('twice the idle time to pass, the busy session in use', async () => (await store.use(busy.id)) !== undefined && Date.now() - started > 2000, 10_000);
    expect(await store.use(idle.id)).toBeUndefined();
    expect(await store.use(busy.id)).toBeDefined();
    await waitFor('the busy session to reach its hard end', async () => (await store.use(busy.id)) === undefined, 10_000);
    // Not before its hard end, give or take Redis's own reading of the clock when it expires the key.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000 - 50);
  });
});

describe('sessions in Redis', () => {
  test('are kept under the hash of their id, never the id', async () => {
    const store = new RedisSessionStore(redis, { idleMs: 60_000, maxMs: 3600_000 }, { prefix });
    const { id } = await store.create();
    const keys = await redis.keys(`${prefix}session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain(id);
    expect(await redis.pttl(keys[0] as string)).toBeLessThanOrEqual(60_000);
  });
});

describe.each([
  ['memory', () => new MemoryEventCounts()],
  ['Redis', () => new RedisEventCounts(redis, { prefix: `${prefix}${Math.random()}:`, flushMs: 10 })],
] as const)('event counts in %s', (_name, make: () => EventCounts) => {
  test('count per application and minute, and read back as a series', async () => {
    const counts = make();
    const t0 = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 3 * MINUTE_MS;
    counts.add('shop', t0 + 5, 3);
    counts.add('shop', t0 + 59_999, 2);
    counts.add('shop', t0 + 2 * MINUTE_MS, 7);
    counts.add('blog', t0, 100);
    expect(await counts.series('shop', t0, 4)).toEqual([5, 0, 7, 0]);
    expect(await counts.series('blog', t0 - MINUTE_MS, 2)).toEqual([0, 100]);
    await counts.close();
  });
});

describe('event counts in Redis', () => {
  test('a flush while a read is in flight counts each event once', async () => {
    const counts = new RedisEventCounts(redis, { prefix: `${prefix}inflight:`, flushMs: 60_000 });
    const now = Date.now();
    counts.add('shop', now, 3);
    const reading = counts.series('shop', now, 1); // its MGET is sent now…
    const flushing = counts.flush(); // …and the INCRBY behind it
    expect(await reading).toEqual([3]);
    await flushing;
    expect(await counts.series('shop', now, 1)).toEqual([3]);
    await counts.close();
  });

  test('are shared by the API processes that count into them', async () => {
    const shared = `${prefix}shared:`;
    const a = new RedisEventCounts(redis, { prefix: shared, flushMs: 60_000 });
    const b = new RedisEventCounts(redis, { prefix: shared, flushMs: 60_000 });
    const now = Date.now();
    a.add('shop', now, 4);
    b.add('shop', now, 6);
    await a.flush();
    await b.flush();
    expect(await a.series('shop', now, 1)).toEqual([10]);
    await a.close();
    await b.close();
  });
});
