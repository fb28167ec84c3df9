/**
 * Waiting between attempts: exponential backoff with "equal jitter" (half of each delay fixed, half
 * random), so that many shards retrying after one outage do not retry in step, and none retries at
 * once (the policy that uses it is shared/retry.ts); and a sleep that an AbortSignal ends at once.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 20_000 };

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
