/** Choosing the retry queue from the environment, and the write path's metrics as Prometheus scrapes them. */
import { Registry } from 'prom-client';
import type Redis from 'ioredis';
import { loadEnv } from '../../src/config/env';
import { registerWritePathMetrics } from '../../src/observability/write-path-metrics';
import { DigesterStats } from '../../src/retry/digester';
import { retryQueueFromEnv } from '../../src/retry/from-env';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import { StoreStats } from '../../src/sinks/dynamodb/responses-store';
import { QueuedSinkStats } from '../../src/retry/queued-sink';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { manyResponses } from '../helpers/responses';

describe('retry queue from the environment', () => {
  it.each([
    ['nothing configured: no queue (writes reject)', {}, undefined],
    ['REDIS_URL: Redis', { REDIS_URL: TEST_REDIS_URL }, 'redis'],
    ['RIPOSTE_RETRY_QUEUE_URL: SQS, even with REDIS_URL', { REDIS_URL: TEST_REDIS_URL, RIPOSTE_RETRY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/riposte-retry' }, 'sqs'],
  ])('%s', async (_name, vars, kind) => {
    const queue = retryQueueFromEnv(loadEnv(vars));
    expect(queue?.kind).toBe(kind);
    await queue?.close();
  });
});

describe('write path metrics', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connectRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('reports puts by outcome over every store, the queued count, digester attempts and the live queue depth', async () => {
    const prefix = uniquePrefix('metrics');
    const queue = new RedisRetryQueue(redis, { prefix });
    try {
      const a = Object.assign(new StoreStats(), { written: 5, existed: 2, failed: 3 });
      const b = Object.assign(new StoreStats(), { written: 1, failed: 1 });
      const sink = Object.assign(new QueuedSinkStats(), { queued: 4 });
      const digester = Object.assign(new DigesterStats(), { landed: 3, retried: 2 });
      const registry = new Registry();
      registerWritePathMetrics(registry, { stores: [{ stats: a }, { stats: b }], sink: { stats: sink }, digester: { stats: digester }, queue });
      await queue.enqueue(manyResponses(2));

      const text = await registry.metrics();
      expect(text).toContain('riposte_response_puts_total{outcome="written"} 6');
      expect(text).toContain('riposte_response_puts_total{outcome="failed"} 4');
      expect(text).toContain('riposte_responses_queued_total 4');
      expect(text).toContain('riposte_retry_attempts_total{outcome="landed"} 3');
      expect(text).toContain('riposte_retry_queue_depth{backend="redis"} 2');

      a.written = 7; // counters follow the components between scrapes
      expect(await registry.metrics()).toContain('riposte_response_puts_total{outcome="written"} 8');
    } finally {
      await deletePrefix(redis, prefix);
    }
  });
});
