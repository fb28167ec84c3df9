/**
 * A retry queue of either kind for a test: Redis for real, under a key prefix of its own, or SQS
 * through FakeSqs. Cleanup removes it and, for SQS, fails the test if any request broke the wire
 * format, so every test that runs on the fake also checks the protocol.
 */
import type Redis from 'ioredis';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import type { RetryQueue } from '../../src/retry/retry-queue';
import { SqsRetryQueue } from '../../src/retry/sqs-queue';
import { FakeSqs } from './fake-sqs';
import { deletePrefix, uniquePrefix } from './redis';

export type QueueKind = 'redis' | 'sqs';

export interface TestQueueOptions {
  /** Names the Redis key prefix. */
  name: string;
  redisVisibilityMs: number;
  sqsVisibilitySeconds: number;
}

export interface TestQueue {
  queue: RetryQueue;
  /** The visibility timeout the queue was made with (ms). */
  visibilityMs: number;
  /** Another handle on the same queue, as another digester process would open it. */
  open(): RetryQueue;
  /** Lets `ms` pass for the queue's visibility clock: the fake's clock moves; Redis's own runs, so this waits. */
  pass(ms: number): Promise<void>;
  /** The Redis key prefix (Redis) or the fake (SQS), for a child process to find the queue. */
  redisPrefix?: string;
  fake?: FakeSqs;
  cleanup(): Promise<void>;
}

export async function openTestQueue(kind: QueueKind, redis: Redis, options: TestQueueOptions): Promise<TestQueue> {
  if (kind === 'redis') {
    const prefix = uniquePrefix(options.name);
    const open = () => new RedisRetryQueue(redis, { prefix, visibilityTimeoutMs: options.redisVisibilityMs });
    return {
      queue: open(),
      visibilityMs: options.redisVisibilityMs,
      open,
      pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      redisPrefix: prefix,
      cleanup: () => deletePrefix(redis, prefix),
    };
  }
  const fake = await new FakeSqs().start();
  const client = fake.client();
  const open = () => new SqsRetryQueue(client, fake.queueUrl, { visibilityTimeoutSeconds: options.sqsVisibilitySeconds, waitTimeSeconds: 0 });
  return {
    queue: open(),
    visibilityMs: options.sqsVisibilitySeconds * 1000,
    open,
    pass: async (ms) => fake.advance(ms),
    fake,
    async cleanup() {
      await fake.close();
      expect(fake.violations).toEqual([]);
    },
  };
}
