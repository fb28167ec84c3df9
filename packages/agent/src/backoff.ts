/**
 * When to try again: exponential backoff with equal jitter (half the delay fixed, half random), so
 * that the agents of a whole fleet, cut off together, do not come back together; and the server's
 * own `Retry-After` (seconds or an HTTP date) when it gives one, as Sentry's transport does.
 */

import type { RetryOptions } from './options';

export class Backoff {
  #failures = 0;

  constructor(
    private readonly options: Required<RetryOptions>,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt, one failure more than before. */
  next(): number {
    const ceiling = Math.min(this.options.maxBackoffMillis, this.options.initialBackoffMillis * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.#failures = 0;
  }

  get failures(): number {
    return this.#failures;
  }
}

/** The longest wait a `Retry-After` may ask for: beyond it the agent would rather try again. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when there is none or it cannot be read; capped at five minutes.
 */
export function retryAfterMillis(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** A timer that never keeps the application's process alive, unless asked to (while closing). */
export function sleep(ms: number, signal?: AbortSignal, keepProcessAlive = false): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (!keepProcessAlive) timer.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}
