/**
 * The agent API's Redis connection: it fails fast (src/shared/redis.ts), because every caller has a
 * fallback: the cache reads the store, the feed lets waiters run to the end of their wait. Redis
 * unreachable at start-up is an error that stops the process, saying so.
 */
import { Redis } from 'ioredis';
import { FAIL_FAST_REDIS, redisUrlForMessages } from '../shared/redis';
import { StartupError } from '../core/config-errors';
import { silentLogger, type Logger } from '../core/ports';

export async function connectApiRedis(url: string, logger: Logger = silentLogger): Promise<Redis> {
  const redis = new Redis(url, FAIL_FAST_REDIS);
  // ioredis reconnects by itself; without a listener it would print each failure to the console.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error'));
  try {
    await whenReady(redis);
  } catch (error) {
    // Left connected, the client would go on reconnecting for ever and keep the process alive.
    redis.disconnect();
    throw new StartupError(
      `cannot reach Redis at ${redisUrlForMessages(url)} (REDIS_URL): ${(error as Error).message}. Start Redis there, correct REDIS_URL, or unset it to run without Redis (one API process only).`,
      { cause: error },
    );
  }
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
