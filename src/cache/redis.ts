/**
 * A Redis connection for the agent API's cache and change feed. Commands fail fast when Redis is
 * unreachable (no offline queue, a short command timeout), because every caller has a fallback: the
 * cache reads the store, the feed lets waiters run to the end of their wait.
 */
import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../core/ports';

export async function connectApiRedis(url: string, logger: Logger = silentLogger): Promise<Redis> {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 1000, maxRetriesPerRequest: 1 });
  // ioredis reconnects by itself; without a listener it would print each failure to the console.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
  await whenReady(redis);
  return redis;
}

/** Resolves once the connection can take commands (without an offline queue, earlier ones fail). */
export function whenReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`Redis is not reachable after ${timeoutMs} ms`)), timeoutMs);
    const onReady = (): void => done();
    const onError = (error: Error): void => done(new Error(`cannot connect to Redis: ${error.message}`, { cause: error }));
    function done(error?: Error): void {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error === undefined) resolve();
      else reject(error);
    }
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
