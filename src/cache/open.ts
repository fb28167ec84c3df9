/**
 * The agent API's cache and change feed, and the notifier the writers call, chosen the way the rest of
 * Riposte chooses: Redis when REDIS_URL is set (shared by every API process), otherwise in memory
 * (a single process, embedded mode). The composition root calls this once and hands `cache` and `feed`
 * to buildApi, and `notifier` to whatever writes or revokes responses.
 */
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import { silentLogger, type Logger } from '../core/ports';
import { LocalChangeFeed, type ChangeFeed } from './change-feed';
import { ResponseChangeNotifier } from './response-change-notifier';
import { quitRedis } from '../shared/redis';
import { connectApiRedis } from './redis';
import { RedisChangeFeed } from './redis-change-feed';
import { RedisResponseCache } from './redis-response-cache';
import { MemoryResponseCache, type ResponseCache } from './response-cache';

export interface ResponseChanges {
  cache: ResponseCache;
  feed: ChangeFeed;
  notifier: ResponseChangeNotifier;
  /** Where they live, for the start-up log. */
  where: 'redis' | 'memory';
  /** The connection, when in Redis: other shared state of the API processes (console sessions, counts) uses it too. */
  redis?: Redis;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger?: Logger;
  /** `riposte_agent_cache_reads_total` of the API's metrics (createApiMetrics(...).cacheReads). */
  cacheReads?: Counter<'outcome'>;
  prefix?: string;
  /**
   * Listen to the changes other processes publish (default true): what the API needs to wake its
   * long-polls. A process that only writes responses (a KCL child) says false: no subscriber
   * connection, no copy of every change; its `feed.subscribe` then hears nothing.
   */
  subscribe?: boolean;
}

export async function openResponseChanges(redisUrl: string | undefined, options: OpenOptions = {}): Promise<ResponseChanges> {
  const logger = options.logger ?? silentLogger;
  if (redisUrl === undefined) {
    const cache = new MemoryResponseCache();
    const feed = new LocalChangeFeed();
    return { cache, feed, notifier: new ResponseChangeNotifier(cache, feed, logger), where: 'memory', close: async () => undefined };
  }
  const redis = await connectApiRedis(redisUrl, logger);
  const cache = new RedisResponseCache(redis, { prefix: options.prefix, logger, onOutcome: (outcome) => options.cacheReads?.inc({ outcome }) });
  const feed = new RedisChangeFeed(redis, { prefix: options.prefix, logger });
  if (options.subscribe ?? true) {
    try {
      await feed.start();
    } catch (error) {
      // Nothing would close them otherwise, and a connection left reconnecting keeps the process alive.
      await feed.close();
      await quitRedis(redis);
      throw error;
    }
  }
  return {
    cache,
    feed,
    notifier: new ResponseChangeNotifier(cache, feed, logger),
    where: 'redis',
    redis,
    close: async () => {
      await feed.close();
      await quitRedis(redis);
    },
  };
}
