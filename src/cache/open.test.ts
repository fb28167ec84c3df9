import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../test/helpers/redis';
import { openResponseChanges } from './open';

const base = uniquePrefix('open');
const prefix = `${base}:`;

afterAll(async () => {
  const redis = connectRedis();
  await deletePrefix(redis, base);
  await redis.quit();
});

describe('openResponseChanges', () => {
  test.each([
    ['without REDIS_URL: in memory', undefined, 'memory'],
    ['with REDIS_URL: in Redis', TEST_REDIS_URL, 'redis'],
  ] as const)('%s, and a change drops cached reads, then wakes listeners', async (_name, url, where) => {
    const changes = await openResponseChanges(url, { prefix });
    try {
      expect(changes.where).toBe(where);
      let loads = 0;
      await changes.cache.read('app-open', 'active', async () => ++loads);
      const seenOnWake = new Promise<number>((resolve) =>
        changes.feed.subscribe('app-open', () => void changes.cache.read('app-open', 'active', async () => ++loads).then(resolve)),
      );
      await changes.notifier.changed(['app-open']);
      expect(await seenOnWake).toBe(2);
    } finally {
      await changes.cache.invalidate(['app-open']);
      await changes.close();
    }
  });

  test('a process that only writes publishes its changes without subscribing to everyone\'s', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
    const redis = connectRedis();
    const listening = async () => ((await redis.pubsub('NUMSUB', `${prefix}changes`)) as [string, number])[1];
    const api = await openResponseChanges(url, { prefix });
    const writer = await openResponseChanges(url, { prefix, subscribe: false });
    try {
      expect(await listening()).toBe(1);
      const woken = new Promise<void>((resolve) => api.feed.subscribe('app-writer', resolve));
      await writer.notifier.changed(['app-writer']);
      await woken;
    } finally {
      await Promise.all([api.close(), writer.close()]);
      await redis.quit();
    }
  });
});
