/**
 * Waiting between attempts: exponential backoff with "equal jitter" (half of each delay fixed, half
 * random), so that many shards retrying after one outage do not retry in step, and none retries at
 * once; and a sleep that an AbortSignal ends at once. No timer outlives its wait, so a process whose
 * work is aborted can exit.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '../core/ports';

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 20_000 };

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** The delay before the next attempt: see `jitteredDelay`. */
  next(): number {
    const delay = jitteredDelay(this.attempt, this.options);
    this.attempt++;
    return delay;
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * The delay after `attempt` earlier retries (0 before the first): random in [ceiling / 2, ceiling],
 * the ceiling starting at `initialMs` and doubling with each attempt up to `maxMs`.
 */
export function jitteredDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  // Clamped so a huge attempt count cannot overflow to Infinity before the cap applies.
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return;
  }
  await sleepFor(ms, undefined, signal === undefined ? undefined : { signal });
}

export interface UntilDoneOptions {
  backoff: BackoffOptions;
  /** The only way to end the retries: rejects with its reason once it aborts. */
  signal: AbortSignal | undefined;
  logger: Logger;
  /** Logged with each failure, e.g. `{ shardId }`. */
  context: Record<string, unknown>;
  /** The warning logged with each failure. */
  message: string;
}

/**
 * Calls `attempt` until it succeeds, for as long as it takes, backing off between failures: for the
 * writes a shard must not go past (responses, dead letters, checkpoints).
 */
export async function untilDone<T>(attempt: () => Promise<T>, o: UntilDoneOptions): Promise<T> {
  const backoff = new Backoff(o.backoff);
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (isAbort(error, o.signal)) throw error;
      const delayMs = backoff.next();
      o.logger.warn({ ...o.context, attempt: backoff.attempts, retryInMs: delayMs, err: error }, o.message);
      await sleep(delayMs, o.signal);
    }
  }
}

/** True for the rejection of an aborted sleep or request. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted === true) return true;
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AbortError';
}
