/**
 * The read cache in Redis, shared by every API process. Per application two keys, hash-tagged so
 * they live on one cluster slot:
 *   <prefix>app:{<appId>}:reads  a hash: one field per cached read, JSON; expires after ttlMs
 *   <prefix>app:{<appId>}:gen    a counter that every invalidation increments
 * A reader that misses notes the generation, loads from the store, and stores the result only if
 * the generation has not moved meanwhile (one Lua script), so a read that raced with a write is
 * never cached. One round trip on a hit; concurrent misses in one process share one load.
 * If Redis fails, reads go to the store directly: the cache is never a reason to fail a request.
 */
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../core/ports';
import { DEFAULT_CACHE_TTL_MS, type ResponseCache } from './response-cache';

const STORE_IF_CURRENT = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`;

/** Parsed values kept per key while Redis returns the same text, so a hit parses nothing. */
const PARSED_MAX = 2048;

export interface RedisCacheOptions {
  /** Key prefix, e.g. `riposte:`; tests use their own. */
  prefix?: string;
  ttlMs?: number;
  logger?: Logger;
  /** Counts hits, misses and Redis failures (the metrics module plugs in here). */
  onOutcome?: (outcome: 'hit' | 'miss' | 'error') => void;
}

export class RedisResponseCache implements ResponseCache {
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #onOutcome: (outcome: 'hit' | 'miss' | 'error') => void;
  readonly #parsed = new Map<string, { raw: string; value: unknown }>();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #lastErrorLogMs = 0;

  constructor(
    private readonly redis: Redis,
    options: RedisCacheOptions = {},
  ) {
    this.#prefix = options.prefix ?? 'riposte:';
    this.#ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#logger = options.logger ?? silentLogger;
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  async read<T>(appId: string, field: string, load: () => Promise<T>): Promise<T> {
    const readsKey = this.readsKey(appId);
    const genKey = this.genKey(appId);
    let raw: string | null;
    let generation: string;
    try {
      const replies = await this.redis.pipeline().hget(readsKey, field).get(genKey).exec();
      const [hget, get] = replies ?? [];
      if (hget?.[0] != null || get?.[0] != null) throw hget?.[0] ?? get?.[0];
      raw = hget?.[1] as string | null;
      generation = (get?.[1] as string | null) ?? '';
    } catch (error) {
      this.#failed(error);
      return load();
    }
    if (raw !== null) {
      this.#onOutcome('hit');
      return this.#parse(`${readsKey}\n${field}`, raw) as T;
    }
    this.#onOutcome('miss');
    const flightKey = `${readsKey}\n${field}\n${generation}`;
    let pending = this.#inFlight.get(flightKey) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = this.#loadAndStore(genKey, readsKey, field, generation, load).finally(() => this.#inFlight.delete(flightKey));
      this.#inFlight.set(flightKey, pending);
    }
    return pending;
  }

  async invalidate(appIds: readonly string[]): Promise<void> {
    if (appIds.length === 0) return;
    const multi = this.redis.multi();
    for (const appId of appIds) multi.incr(this.genKey(appId)).del(this.readsKey(appId));
    const replies = await multi.exec();
    const failure = replies?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  readsKey(appId: string): string {
    return `${this.#prefix}app:{${appId}}:reads`;
  }

  genKey(appId: string): string {
    return `${this.#prefix}app:{${appId}}:gen`;
  }

  async #loadAndStore<T>(genKey: string, readsKey: string, field: string, generation: string, load: () => Promise<T>): Promise<T> {
    const value = await load();
    const raw = JSON.stringify(value);
    try {
      await this.redis.eval(STORE_IF_CURRENT, 2, genKey, readsKey, generation, field, raw, String(this.#ttlMs));
      this.#parsed.delete(`${readsKey}\n${field}`);
      this.#remember(`${readsKey}\n${field}`, raw, value);
    } catch (error) {
      this.#failed(error);
    }
    return value;
  }

  #parse(key: string, raw: string): unknown {
    const known = this.#parsed.get(key);
    if (known !== undefined && known.raw === raw) return known.value;
    const value: unknown = JSON.parse(raw);
    this.#remember(key, raw, value);
    return value;
  }

  #remember(key: string, raw: string, value: unknown): void {
    this.#parsed.delete(key);
    this.#parsed.set(key, { raw, value });
    if (this.#parsed.size > PARSED_MAX) this.#parsed.delete(this.#parsed.keys().next().value as string);
  }

  #failed(error: unknown): void {
    this.#onOutcome('error');
    const now = Date.now();
    // Once every 10 s at most: a Redis outage must not flood the log with one line per request.
    if (now - this.#lastErrorLogMs < 10_000) return;
    this.#lastErrorLogMs = now;
    this.#logger.warn({ err: error }, 'response cache unavailable; reading the responses store directly');
  }
}
