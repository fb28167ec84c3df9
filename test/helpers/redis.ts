/** The real Redis at 127.0.0.1:6379 (or REDIS_URL), under a key prefix unique to the test, cleaned up after. */
import Redis from 'ioredis';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function uniquePrefix(name: string): string {
  return `riposte-test:${name}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every key under the prefix (the queue's keys are `{prefix}:...`). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of [`{${prefix}}:*`, `${prefix}:*`]) {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  }
}

export function connectRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
}
