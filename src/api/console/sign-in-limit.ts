/**
 * The limit on wrong admin tokens: failed console sign-ins (POST /v1/admin/session) and wrong bearer
 * tokens on the admin API, which guess the same secret and share one budget. Each source address has
 * a token bucket of failures, and all addresses together have one more; a wrong token takes one from
 * both. While either is empty, the token is not checked at all — a right one is refused too (429
 * sign_in_limited with Retry-After) — so guessing from there is pointless until it refills. A right
 * token takes nothing and resets nothing: a reset would hand fresh guesses to whoever shares the
 * address (an office's NAT, a proxy) each time the administrator signs in.
 *
 * The address is the request's `ip` as fastify sees it (its trustProxy setting), keyed as the engine
 * keys actors (src/events/actor-ip.ts): IPv4 per address, IPv6 per /64, since one host holds a whole
 * /64 and could otherwise take a fresh budget per address. The table of addresses is bounded
 * (token-buckets.ts); the limit over all addresses is what holds against a spray of them.
 *
 * Each process keeps its own buckets (in memory, not Redis): behind a load balancer with n API
 * processes, an address gets n times the budget. That is still a few guesses a minute, against a
 * token of at least 16 characters.
 */
import type { Logger } from '../../core/ports';
import { actorIpKey, DEFAULT_IPV6_PREFIX } from '../../events/actor-ip';
import { checkBucketRate, TokenBuckets, type BucketRate } from '../token-buckets';

export interface SignInLimits {
  /** Wrong tokens one address may send at once, and how many a second it gets back after that. */
  perAddress: BucketRate;
  /** The same over all addresses together. */
  overall: BucketRate;
  /** Addresses with a bucket at once (and, apart, with a warning line's counts). */
  maxAddresses: number;
  /** An address gets at most one warning line this often, which counts what happened since the last. */
  logEveryMs: number;
}

/**
 * A person who mistypes or pastes the wrong thing gets 10 tries at once, then one every 10 s: they
 * barely notice, while a guesser gets 6 a minute from an address (8,640 a day, against a secret of 16
 * characters or, as made by riposte start, 32 random bytes). All addresses together get 20 times one
 * address's rate (2 a second, 240 at once), so a spray from many addresses is capped too, and a
 * lockout of everyone needs at least 20 addresses at it all the time; while it lasts the wait it
 * answers is about a second. 10,000 addresses are 3.5 MB of heap at most (measured: a bucket and a
 * log entry each); a refilled bucket is dropped.
 */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perAddress: { burst: 10, perSecond: 1 / 10 },
  overall: { burst: 240, perSecond: 2 },
  maxAddresses: 10_000,
  logEveryMs: 60_000,
};

/** How the token came: the console's sign-in, or a bearer token on the admin API. */
export type SignInWay = 'console' | 'bearer';
export type SignInLimit = 'address' | 'overall';

export interface SignInRefusal {
  limit: SignInLimit;
  /** The address as the limit keys it (an IPv6 address's /64). */
  address: string;
  retryAfterSeconds: number;
}

interface Unlogged {
  loggedAtMs: number;
  failed: number;
  refused: number;
}

const ALL = 'all';

/** Where the warnings go: the request's logger. */
type WarnLog = Pick<Logger, 'warn'>;

export class SignInLimiter {
  readonly #limits: SignInLimits;
  readonly #clock: () => number;
  readonly #addresses: TokenBuckets;
  readonly #overall: TokenBuckets;
  /** Per address, what its next warning line will count; in order of the last line. */
  readonly #unlogged = new Map<string, Unlogged>();
  /** For /metrics: wrong tokens by way, and attempts refused by way and limit. */
  readonly failures: Record<SignInWay, number> = { console: 0, bearer: 0 };
  readonly refusals: Record<SignInWay, Record<SignInLimit, number>> = { console: { address: 0, overall: 0 }, bearer: { address: 0, overall: 0 } };

  constructor(limits: Partial<SignInLimits> = {}, clock: () => number = Date.now) {
    this.#limits = { ...DEFAULT_SIGN_IN_LIMITS, ...limits };
    checkBucketRate(this.#limits.perAddress, 'signInLimits.perAddress');
    checkBucketRate(this.#limits.overall, 'signInLimits.overall');
    const { logEveryMs, maxAddresses } = this.#limits;
    if (!Number.isInteger(maxAddresses) || maxAddresses < 1) throw new Error(`signInLimits.maxAddresses: ${maxAddresses} is not allowed; expected a whole number >= 1`);
    if (!Number.isFinite(logEveryMs) || logEveryMs < 0) throw new Error(`signInLimits.logEveryMs: ${logEveryMs} is not allowed; expected a number of milliseconds >= 0`);
    this.#clock = clock;
    this.#addresses = new TokenBuckets(this.#limits.maxAddresses, clock);
    this.#overall = new TokenBuckets(1, clock);
  }

  /** Addresses held (buckets, and log lines pending): bounded by maxAddresses each. */
  get held(): { buckets: number; logLines: number } {
    return { buckets: this.#addresses.size, logLines: this.#unlogged.size };
  }

  /**
   * Why a token from `ip` may not be checked now, or undefined when it may. Counted and (at most once
   * per address per logEveryMs) logged when refused; takes nothing.
   */
  refusal(ip: string | undefined, way: SignInWay, log: WarnLog): SignInRefusal | undefined {
    const address = addressKey(ip);
    const ownWait = this.#addresses.waitSeconds(address, this.#limits.perAddress);
    const limit: SignInLimit = ownWait > 0 ? 'address' : 'overall';
    const retryAfterSeconds = ownWait > 0 ? ownWait : this.#overall.waitSeconds(ALL, this.#limits.overall);
    if (retryAfterSeconds === 0) return undefined;
    this.refusals[way][limit] += 1;
    // Refusals by the overall limit are logged as one source: a spray of fresh addresses would
    // otherwise be a line each.
    this.#note(limit === 'address' ? address : ALL, 'refused', log, { address, way, limit, retryAfterSeconds });
    return { limit, address, retryAfterSeconds };
  }

  /** A wrong token came from `ip`: one failure off its budget and off everyone's. */
  failed(ip: string | undefined, way: SignInWay, log: WarnLog): void {
    const address = addressKey(ip);
    this.#addresses.take(address, this.#limits.perAddress);
    this.#overall.take(ALL, this.#limits.overall);
    this.failures[way] += 1;
    this.#note(address, 'failed', log, { address, way });
  }

  /**
   * One warning line per source (an address, or `all` for the overall limit) per logEveryMs, counting
   * the failures and refusals since its last line, this one included: a guesser's every attempt would
   * otherwise be a line (/metrics counts each).
   */
  #note(source: string, what: 'failed' | 'refused', log: WarnLog, fields: Record<string, unknown>): void {
    const now = this.#clock();
    let unlogged = this.#unlogged.get(source);
    if (unlogged === undefined) {
      if (this.#unlogged.size >= this.#limits.maxAddresses) this.#unlogged.delete(this.#unlogged.keys().next().value as string);
      unlogged = { loggedAtMs: -Infinity, failed: 0, refused: 0 };
      this.#unlogged.set(source, unlogged);
    }
    unlogged[what] += 1;
    if (now - unlogged.loggedAtMs < this.#limits.logEveryMs) return;
    const message = what === 'failed' ? 'admin sign-in failed: not the admin token' : 'admin sign-in refused without checking the token: too many wrong admin tokens';
    log.warn({ ...fields, failed: unlogged.failed, refused: unlogged.refused }, message);
    // Moved to the end: the oldest lines are the first forgotten when the table is full.
    this.#unlogged.delete(source);
    this.#unlogged.set(source, { loggedAtMs: now, failed: 0, refused: 0 });
  }
}

/** The key of an address; a request whose socket has already gone has none (node says undefined). */
function addressKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown';
  return actorIpKey(ip, DEFAULT_IPV6_PREFIX) ?? ip;
}
