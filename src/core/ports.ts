/**
 * What the detection core needs from the outside world, as narrow interfaces. Drivers, stores and
 * the command line provide them; the core never imports an AWS SDK, a socket or the clock.
 */
import type { SecurityResponse } from './response';

/** The subset of pino's logger the core uses, so tests can pass a recording logger. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Responses already written for an application. The engine reads it once per application and shard
 * processor, to know which targets are under an active response and how often a target offended
 * before (repeat offenders get longer responses). The DynamoDB responses store implements it.
 *
 * It is read a page at a time: an application may have a month of responses, and the engine keeps
 * only what its memory budget allows (src/engine/ledger.ts), never the whole read at once.
 */
export interface ResponseHistory {
  /**
   * One page of the responses of `appId` that expire at or after `sinceMs` (epoch ms) — every
   * response created since then, and every older one still in force — soonest expiry first, at most
   * `limit`, from where `after` (a page's `next`) says, or from the start.
   */
  recentPage(appId: string, sinceMs: number, after: string | undefined, limit: number): Promise<HistoryPage>;
}

export interface HistoryPage {
  responses: readonly SecurityResponse[];
  /** Where the next page starts (opaque); undefined after the last page. */
  next: string | undefined;
}

/** A record that could not be processed, kept so that someone can look at it. */
export interface DeadLetter {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string | undefined;
  reason: string;
  /** Size of the record's data in bytes. */
  size: number;
  /** The first bytes of the record, base64, enough to recognise it. */
  preview: string;
}

export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * Where responses go. `write` resolves once every response is durable (written, or queued for a
 * retry that cannot lose it); writing a response whose id already exists changes nothing.
 */
export interface ResponseSink {
  write(responses: readonly SecurityResponse[]): Promise<void>;
}

/** A response as the store holds it: the response, whether it was revoked, and its place in the change feed. */
export interface StoredResponse extends SecurityResponse {
  revokedAt: string | null;
  /**
   * Position in the application's change feed: `<updatedAtMs, 15 digits>#<id>`, where updatedAtMs is
   * when the store wrote or revoked the item. The agent API's cursor is a changeKey.
   */
  changeKey: string;
}

/** What the agent and admin APIs read from the responses store. */
export interface ResponseReader {
  /** Responses of `appId` in force at `nowMs`: not expired, not revoked. */
  active(appId: string, nowMs: number): Promise<StoredResponse[]>;
  /** Responses of `appId` written or revoked after `afterChangeKey` (all, when null), oldest change first. */
  changes(appId: string, afterChangeKey: string | null, limit: number): Promise<StoredResponse[]>;
  get(appId: string, id: string): Promise<StoredResponse | undefined>;
  /** Marks a response revoked (agents stop enforcing it); undefined when there is no such response. */
  revoke(appId: string, id: string, atMs: number): Promise<StoredResponse | undefined>;
  /**
   * A counter of `appId`'s writes and revocations (0 before the first), raised after each has landed:
   * a cached read taken at a lower generation misses a change, whatever the cache was told.
   */
  generation(appId: string): Promise<number>;
}

export function changeKeyOf(updatedAtMs: number, id: string): string {
  return `${String(updatedAtMs).padStart(15, '0')}#${id}`;
}

/**
 * The times a store stamps its changes with: strictly increasing, so two writes in one millisecond
 * (or a clock stepped back) still get ordered change keys.
 */
export function monotonicClock(clock: () => number): () => number {
  let last = 0;
  return () => {
    last = Math.max(last + 1, clock());
    return last;
  };
}
