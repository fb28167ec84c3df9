/**
 * The retry queue in Redis, with SQS's semantics: a sorted set of entries scored by the time they
 * become visible, a hash of their bodies and a hash of their receive counts. Receiving an entry
 * moves its score a visibility timeout ahead (a lease); acknowledging deletes it; a backoff moves
 * its score to now + delay. An entry whose receiver died becomes due again when its lease runs out,
 * so a crash loses nothing. Each operation is one Lua script or MULTI, so it is atomic, and time is
 * Redis's own (TIME), so digesters on hosts with skewed clocks agree on what is due.
 *
 * Why not Streams with a consumer group: a stream has no per-entry delay. Backing off one response
 * (and not the others) means holding it pending and reclaiming it with XAUTOCLAIM after a fixed idle
 * time, or re-adding it — a sorted set gives the per-entry visibility the digester's exponential
 * backoff wants, with the same at-least-once guarantee, and the same model as SQS.
 *
 * Entries are keyed by application and response id: a response queued twice (a replay after a
 * crash) is one entry. All keys share a hash tag, so the scripts also run on Redis Cluster.
 */
import Redis from 'ioredis';
import { BOUNDED_REDIS, quitRedis } from '../shared/redis';
import { LuaScript } from '../shared/lua-script';
import { type Logger, silentLogger } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import { encodeResponse, type RetryDelivery, type RetryQueue } from './retry-queue';

export interface RedisRetryQueueOptions {
  /** Key prefix; the queue's keys are `{prefix}:due`, `{prefix}:body`, `{prefix}:receives`. */
  prefix?: string;
  /** How long a received entry stays hidden before another digester may take it (ms). */
  visibilityTimeoutMs?: number;
  /** Where connection errors of a connection the queue opened itself are reported. */
  logger?: Logger;
}

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: due, body. ARGV: member, body, member, body, ... Returns how many were new. */
const ENQUEUE = `${NOW}
local added = 0
for i = 1, #ARGV, 2 do
  added = added + redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i])
end
return added`;

/** KEYS: due, body, receives. ARGV: max, visibilityMs. Returns member, receiveCount, body triples. */
const RECEIVE = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local out = {}
for _, m in ipairs(due) do
  local body = redis.call('HGET', KEYS[2], m)
  if body then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), m)
    local n = redis.call('HINCRBY', KEYS[3], m, 1)
    table.insert(out, m) table.insert(out, n) table.insert(out, body)
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out`;

/**
 * KEYS: due, receives. ARGV: member, delayMs, receiveCount. Only the latest receiver may move the
 * entry (another may have taken it after this lease ran out), and never one already acknowledged.
 */
const RETRY_LATER = `${NOW}
if tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') ~= tonumber(ARGV[3]) then return 0 end
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])`;

const enqueueScript = new LuaScript(ENQUEUE);
const receiveScript = new LuaScript(RECEIVE);
const retryLaterScript = new LuaScript(RETRY_LATER);

export class RedisRetryQueue implements RetryQueue {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly keys: { due: string; body: string; receives: string };
  private readonly visibilityTimeoutMs: number;

  /** `redis` is a connection the caller owns, or a URL for one the queue opens and closes. */
  constructor(redis: Redis | string, options: RedisRetryQueueOptions = {}) {
    this.owned = typeof redis === 'string';
    if (typeof redis === 'string') {
      const logger = options.logger ?? silentLogger;
      this.redis = new Redis(redis, BOUNDED_REDIS);
      // ioredis reconnects by itself; without a listener it would print each error to the console.
      this.redis.on('error', (error: Error) => logger.warn({ err: error }, 'retry queue Redis connection error'));
    } else {
      this.redis = redis;
    }
    const tag = `{${options.prefix ?? 'riposte:retry'}}`;
    this.keys = { due: `${tag}:due`, body: `${tag}:body`, receives: `${tag}:receives` };
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 60_000;
    if (!Number.isInteger(this.visibilityTimeoutMs) || this.visibilityTimeoutMs < 1) {
      throw new Error(`visibilityTimeoutMs: ${this.visibilityTimeoutMs} is not allowed; expected a whole number of ms >= 1`);
    }
  }

  async enqueue(responses: readonly SecurityResponse[]): Promise<void> {
    if (responses.length === 0) return;
    const args: string[] = [];
    for (const r of responses) args.push(memberOf(r), encodeResponse(r));
    await enqueueScript.run(this.redis, [this.keys.due, this.keys.body], args);
  }

  async receive(max: number): Promise<RetryDelivery[]> {
    const reply = (await receiveScript.run(this.redis, [this.keys.due, this.keys.body, this.keys.receives], [max, this.visibilityTimeoutMs])) as (string | number)[];
    const out: RetryDelivery[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const member = String(reply[i]);
      const receiveCount = Number(reply[i + 1]);
      out.push({ handle: `${receiveCount} ${member}`, receiveCount, body: String(reply[i + 2]) });
    }
    return out;
  }

  async ack(delivery: RetryDelivery): Promise<void> {
    const { member } = parseHandle(delivery.handle);
    const replies = await this.redis.multi().zrem(this.keys.due, member).hdel(this.keys.body, member).hdel(this.keys.receives, member).exec();
    // MULTI reports a failed command in its replies rather than by rejecting.
    const failed = replies === null ? new Error('the transaction was discarded') : replies.find(([error]) => error !== null)?.[0];
    if (failed) throw new Error(`acknowledging retry queue entry ${JSON.stringify(member)} failed: ${failed.message}`, { cause: failed });
  }

  async retryLater(delivery: RetryDelivery, delayMs: number): Promise<void> {
    const { member, receiveCount } = parseHandle(delivery.handle);
    await retryLaterScript.run(this.redis, [this.keys.due, this.keys.receives], [member, Math.max(0, Math.round(delayMs)), receiveCount]);
  }

  async depth(): Promise<number> {
    return this.redis.zcard(this.keys.due);
  }

  async close(): Promise<void> {
    if (this.owned) await quitRedis(this.redis);
  }
}

function memberOf(r: SecurityResponse): string {
  return `${r.appId}\n${r.id}`;
}

function parseHandle(handle: string): { member: string; receiveCount: number } {
  const space = handle.indexOf(' ');
  const receiveCount = Number(handle.slice(0, space));
  if (space < 1 || !Number.isInteger(receiveCount)) throw new Error(`retry handle ${JSON.stringify(handle)} is not a Redis retry-queue handle ("<receiveCount> <appId>\\n<id>")`);
  return { member: handle.slice(space + 1), receiveCount };
}
