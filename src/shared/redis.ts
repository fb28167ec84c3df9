/**
 * Redis connections, with every wait bounded. ioredis's defaults are not: a command sent while the
 * connection is down waits in an offline queue through 20 reconnections, one sent on a connection
 * that stopped answering waits for good, and `quit` on a connection that never comes back never
 * resolves. A process that waits on Redis like that neither serves nor exits.
 *
 * Connections whose callers have a fallback (the agent API's cache and change feed) fail fast: no
 * offline queue, a short command timeout. The retry queue keeps a short offline queue (one
 * reconnection), so that a command issued in the instant of a reconnect still goes through, and it
 * too gives up within seconds.
 */
import type { Redis, RedisOptions } from 'ioredis';

/** How long one command may take once sent; beyond it, it fails with "Command timed out". */
const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** How long `quitRedis` waits for Redis to acknowledge QUIT before it drops the connection. */
const REDIS_QUIT_TIMEOUT_MS = 1000;

/** For connections whose callers have a fallback: a command fails at once while disconnected. */
export const FAIL_FAST_REDIS: RedisOptions = { enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 };

/** For the retry queue: a command waits through one reconnection at most, then fails. */
export const BOUNDED_REDIS: RedisOptions = { enableOfflineQueue: true, commandTimeout: 2 * REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1 };

/** The URL without its password, for messages. */
export function redisUrlForMessages(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unparsable REDIS_URL)';
  }
}

/**
 * QUIT, so that Redis has the commands sent before it; but a connection that is down (QUIT would wait
 * in the offline queue) or does not answer within `timeoutMs` is dropped instead.
 */
export async function quitRedis(redis: Redis, timeoutMs = REDIS_QUIT_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const outcome = await Promise.race([redis.quit().catch(() => 'failed' as const), timedOut]);
    if (outcome !== 'OK') redis.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
