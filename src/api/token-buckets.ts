/**
 * Token buckets by key, in a table of bounded size: the arithmetic of the API's rate limits (the
 * ingest's per application, src/api/ingest-rate-limit.ts; wrong admin tokens per address,
 * src/api/console/sign-in-limit.ts). A bucket holds up to `burst` tokens and refills at `perSecond`,
 * computed when it is next used (no timer). A key never seen has a full bucket.
 *
 * A cost larger than the whole burst is let through when the bucket is full (taking it below zero):
 * else a caller with a small burst could never do a large thing at all.
 *
 * Memory: at most `maxKeys` buckets, kept in the order they were last used. A bucket that has refilled
 * to its burst is the same as none, so the least recently used ones are dropped as soon as they are
 * full, whenever a new key comes. When the table is full of buckets still refilling (a spray of keys),
 * the least recently used one is forgotten anyway, counted in `forgotten`: its key starts again with a
 * full burst. A caller for whom that matters keeps a limit over all keys as well (the sign-in limit
 * does), which the spray cannot evict.
 */

export interface BucketRate {
  /** Tokens added a second, up to `burst`. */
  perSecond: number;
  /** Tokens a full bucket holds: what may be spent at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
  /** The rate it was last used with, which says when it has refilled (rates may differ by key). */
  rate: BucketRate;
}

/** Checks a rate handed in by configuration: a NaN or a zero would make the limit meaningless. */
export function checkBucketRate(rate: BucketRate, where: string): void {
  for (const field of ['perSecond', 'burst'] as const) {
    const value = rate[field];
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${where}.${field}: ${value} is not allowed; expected a positive number`);
  }
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  /** Buckets dropped before they had refilled, to stay within maxKeys. */
  forgotten = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new Error(`maxKeys: ${maxKeys} is not allowed; expected a whole number >= 1`);
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Seconds until `key`'s bucket can pay `cost` (0: now). Takes nothing, and adds no bucket. */
  waitSeconds(key: string, rate: BucketRate, cost = 1): number {
    const bucket = this.#buckets.get(key);
    return bucket === undefined ? 0 : wait(level(bucket, rate, this.clock()), rate, cost);
  }

  /**
   * Takes `cost` tokens from `key`'s bucket and answers 0 when it can pay; else takes nothing and
   * answers the seconds until it could (at least 1: what a Retry-After says).
   */
  take(key: string, rate: BucketRate, cost = 1): number {
    const now = this.clock();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#makeRoom(now);
      bucket = { tokens: rate.burst, atMs: now, rate };
    } else {
      // Moved to the end: the table stays in the order of last use.
      this.#buckets.delete(key);
      bucket.tokens = level(bucket, rate, now);
      bucket.atMs = now;
      bucket.rate = rate;
    }
    this.#buckets.set(key, bucket);
    const seconds = wait(bucket.tokens, rate, cost);
    if (seconds === 0) bucket.tokens -= cost;
    return seconds;
  }

  /** Drops the least recently used buckets that have refilled, then, while the table is full, any. */
  #makeRoom(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      const full = level(bucket, bucket.rate, now) >= bucket.rate.burst;
      if (!full && this.#buckets.size < this.maxKeys) return;
      if (!full) this.forgotten += 1;
      this.#buckets.delete(key);
    }
  }
}

function level(bucket: Bucket, rate: BucketRate, now: number): number {
  return Math.min(rate.burst, bucket.tokens + (Math.max(0, now - bucket.atMs) / 1000) * rate.perSecond);
}

function wait(tokens: number, rate: BucketRate, cost: number): number {
  const needed = Math.min(cost, rate.burst);
  return tokens >= needed ? 0 : Math.max(1, Math.ceil((needed - tokens) / rate.perSecond));
}
