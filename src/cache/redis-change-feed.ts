/**
 * The change feed over Redis pub/sub: one channel, `<prefix>changes`, whose messages are application
 * ids. Every API process subscribes once (a dedicated connection, as pub/sub requires) and wakes its
 * own waiting requests of that application. One channel rather than one per application: changes are
 * rare (they are bans), and a process need not subscribe and unsubscribe as agents come and go.
 * ioredis resubscribes by itself after a reconnect; a change published while a process was
 * disconnected reaches its waiters at the end of their wait instead.
 */
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../core/ports';
import { Listeners, type ChangeFeed } from './change-feed';
import { quitRedis } from '../shared/redis';
import { whenReady } from './redis';

export interface RedisFeedOptions {
  prefix?: string;
  logger?: Logger;
}

export class RedisChangeFeed implements ChangeFeed {
  readonly channel: string;
  readonly #listeners = new Listeners();
  readonly #logger: Logger;
  #subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisFeedOptions = {},
  ) {
    this.channel = `${options.prefix ?? 'riposte:'}changes`;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Subscribes; resolves once Redis confirmed, so no change published afterwards is missed. */
  async start(): Promise<void> {
    if (this.#subscriber !== undefined) return;
    const subscriber = this.redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.#logger.warn({ err: error }, 'change feed connection error'));
    subscriber.on('message', (channel: string, appId: string) => {
      if (channel === this.channel) this.#listeners.notify(appId);
    });
    await whenReady(subscriber);
    await subscriber.subscribe(this.channel);
  }

  async publish(appIds: readonly string[]): Promise<void> {
    const unique = [...new Set(appIds)];
    if (unique.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const appId of unique) pipeline.publish(this.channel, appId);
    const replies = await pipeline.exec();
    const failure = replies?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  subscribe(appId: string, listener: () => void): () => void {
    return this.#listeners.add(appId, listener);
  }

  async close(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) await quitRedis(subscriber);
  }
}
