/**
 * The read cache in Redis, shared by every API process. Per application two keys, hash-tagged so
 * they live on one cluster slot:
 *   <prefix>app:{<appId>}:reads  a hash: one field per cached read, JSON; expires after ttlMs
 *   <prefix>app:{<appId>}:gen    a counter that every invalidation increments
 * A reader that misses notes the generation, loads from the store, and stores the result only if
 * the generation has not moved meanwhile (one Lua script), so a read that raced with a write is
 * never cached. Concurrent misses in one process share one load.
 *
 * Each process also keeps what it last read, tagged with its generation: a hit then costs one small
 * round trip that only compares generations, instead of moving and parsing the whole value (tens of
 * kilobytes for an application with many responses). Such a local copy lives at most ttlMs, so a
 * change whose invalidation was lost is seen within twice the TTL.
 * If Redis fails, reads go to the store directly: the cache is never a reason to fail a request.
 */
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../core/ports';
import { LuaScript } from '../shared/lua-script';
import { DEFAULT_CACHE_TTL_MS, type ResponseCache } from './response-cache';

/** KEYS: gen, reads. ARGV: the generation of the local copy ('-' for none), field. → {gen} or {gen, value|false} */
const READ = new LuaScript(`
local gen = redis.call('GET', KEYS[1]) or ''
if gen == ARGV[1] then return {gen} end
return {gen, redis.call('HGET', KEYS[2], ARGV[2])}`);

/** KEYS: gen, reads. ARGV: generation read before loading, field, value, ttl ms. */
const STORE_IF_CURRENT = new LuaScript(`
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`);

const NO_LOCAL_COPY = '-';
const LOCAL_MAX = 4096;

export interface RedisCacheOptions {
  /** Key prefix, e.g. `riposte:`; tests use their own. */
  prefix?: string;
  ttlMs?: number;
  logger?: Logger;
  clock?: () => number;
  /** Counts hits, misses and Redis failures (the metrics module plugs in here). */
  onOutcome?: (outcome: 'hit' | 'miss' | 'error') => void;
}

interface LocalCopy {
  generation: string;
  value: unknown;
  expiresAtMs: number;
}

export class RedisResponseCache implements ResponseCache {
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #onOutcome: (outcome: 'hit' | 'miss' | 'error') => void;
  readonly #local = new Map<string, LocalCopy>();
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #lastErrorLogMs = 0;

  constructor(
    private readonly redis: Redis,
    options: RedisCacheOptions = {},
  ) {
    this.#prefix = options.prefix ?? 'riposte:';
    this.#ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    this.#onOutcome = options.onOutcome ?? (() => undefined);
  }

  async read<T>(appId: string, field: string, load: () => Promise<T>): Promise<T> {
    const readsKey = this.#readsKey(appId);
    const genKey = this.#genKey(appId);
    const localKey = `${readsKey}\n${field}`;
    const local = this.#local.get(localKey);
    const now = this.#clock();
    const known = local !== undefined && local.expiresAtMs > now ? local.generation : NO_LOCAL_COPY;
    let reply: [string, string | null] | [string];
    try {
      reply = (await READ.run(this.redis, [genKey, readsKey], [known, field])) as typeof reply;
    } catch (error) {
      this.#failed(error);
      return load();
    }
    const generation = reply[0];
    if (reply.length === 1) {
      this.#onOutcome('hit');
      return (local as LocalCopy).value as T;
    }
    const raw = reply[1];
    if (typeof raw === 'string') {
      this.#onOutcome('hit');
      const value: unknown = JSON.parse(raw);
      this.#remember(localKey, { generation, value, expiresAtMs: now + this.#ttlMs });
      return value as T;
    }
    this.#onOutcome('miss');
    const flightKey = `${localKey}\n${generation}`;
    let pending = this.#inFlight.get(flightKey) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = this.#loadAndStore(genKey, readsKey, localKey, field, generation, load).finally(() => this.#inFlight.delete(flightKey));
      this.#inFlight.set(flightKey, pending);
    }
    return pending;
  }

  async invalidate(appIds: readonly string[]): Promise<void> {
    if (appIds.length === 0) return;
    const multi = this.redis.multi();
    for (const appId of appIds) multi.incr(this.#genKey(appId)).del(this.#readsKey(appId));
    const replies = await multi.exec();
    const failure = replies?.find(([error]) => error !== null)?.[0];
    if (failure) throw failure;
  }

  #readsKey(appId: string): string {
    return `${this.#prefix}app:{${appId}}:reads`;
  }

  #genKey(appId: string): string {
    return `${this.#prefix}app:{${appId}}:gen`;
  }

  async #loadAndStore<T>(genKey: string, readsKey: string, localKey: string, field: string, generation: string, load: () => Promise<T>): Promise<T> {
    const value = await load();
    try {
      const stored = await STORE_IF_CURRENT.run(this.redis, [genKey, readsKey], [generation, field, JSON.stringify(value), String(this.#ttlMs)]);
      if (stored === 1) this.#remember(localKey, { generation, value, expiresAtMs: this.#clock() + this.#ttlMs });
    } catch (error) {
      this.#failed(error);
    }
    return value;
  }

  #remember(key: string, copy: LocalCopy): void {
    this.#local.delete(key);
    this.#local.set(key, copy);
    if (this.#local.size > LOCAL_MAX) this.#local.delete(this.#local.keys().next().value as string);
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
