/**
 * Redis going away under a running process, on a redis-server of the test's own that it stops and
 * starts again: every call into Redis settles within a bound (ioredis's defaults would keep a retry
 * queue write waiting through 20 reconnections, and QUIT for as long as Redis stays down), the agent
 * API's cache reads the store meanwhile, and both work again once Redis is back.
 */
import { connectApiRedis } from '../../src/cache/redis';
import { openResponseChanges, type ResponseChanges } from '../../src/cache/open';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import { freePort, ownRedis, type OwnRedis } from '../helpers/own-redis';
import { makeResponse } from '../helpers/responses';
import { waitFor } from '../helpers/wait';

/** Generous for a command that gives up after one reconnection and a 2 s timeout; ioredis's defaults take over 10 s. */
const BOUND_MS = 5000;

/** How `promise` settled, or 'pending' if it had not within `ms`. */
async function settledWithin<T>(ms: number, promise: Promise<T>): Promise<{ outcome: 'resolved' | 'rejected' | 'pending'; value?: T; error?: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<{ outcome: 'pending' }>((resolve) => (timer = setTimeout(() => resolve({ outcome: 'pending' }), ms)));
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ outcome: 'resolved' as const, value }),
        (error: unknown) => ({ outcome: 'rejected' as const, error: error as Error }),
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let redis: OwnRedis;
beforeAll(async () => {
  redis = await ownRedis();
});
afterAll(async () => {
  await redis.stop();
});

it('Redis closed at start-up: connecting fails at once with a message naming REDIS_URL, and says what to do (test/e2e/start-redis.test.ts: the process exits)', async () => {
  const url = `redis://127.0.0.1:${await freePort()}/0`;
  const attempt = await settledWithin(BOUND_MS, connectApiRedis(url));
  expect(attempt.outcome).toBe('rejected');
  expect(attempt.error?.message).toContain(`cannot reach Redis at ${url} (REDIS_URL)`);
  expect(attempt.error?.message).toContain('unset it');
});

it('the retry queue: with Redis down, enqueue fails and close returns within the bound; once Redis is back, enqueue works again', async () => {
  await redis.start();
  const queue = new RedisRetryQueue(redis.url);
  try {
    await queue.enqueue([makeResponse({ ip: '203.0.113.1' })]);
    expect(await queue.depth()).toBe(1);

    await redis.stop();
    const whileDown = await settledWithin(BOUND_MS, queue.enqueue([makeResponse({ ip: '203.0.113.2' })]));
    expect(whileDown.outcome).toBe('rejected');

    await redis.start(); // empty: nothing is saved
    await waitFor('enqueue to work again', () => queue.enqueue([makeResponse({ ip: '203.0.113.3' })]).then(() => true, () => false), 10_000, 100);
    expect(await queue.depth()).toBe(1);
  } finally {
    await redis.stop();
    expect((await settledWithin(BOUND_MS, queue.close())).outcome).toBe('resolved');
  }
});

it("the agent API's cache and change feed: reads are served from the store while Redis is down, notifications go through again once it is back; close is bounded", async () => {
  await redis.start();
  let changes: ResponseChanges | undefined;
  try {
    changes = await openResponseChanges(redis.url, { prefix: 'outage:' });
    let loads = 0;
    const read = () => (changes as ResponseChanges).cache.read('app-outage', 'active', async () => ++loads);
    await read();
    expect(await read()).toBe(1); // cached

    await redis.stop();
    const whileDown = await settledWithin(BOUND_MS, read());
    expect(whileDown).toEqual({ outcome: 'resolved', value: 2 }); // loaded from the store

    await redis.start();
    await waitFor('a notification to go through Redis again', () => (changes as ResponseChanges).feed.publish(['app-outage']).then(() => true, () => false), 10_000, 100);
  } finally {
    await redis.stop();
    if (changes !== undefined) expect((await settledWithin(BOUND_MS, changes.close())).outcome).toBe('resolved');
  }
});
