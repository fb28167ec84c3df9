/**
 * The one retry policy: which failures are worth another attempt, how long to wait before it, and
 * how an abort ends it. Every place that tries again — the shard's durable writes and checkpoints,
 * reads of Kinesis and of the response history, PutRecords, the end-of-shard checkpoint — goes
 * through `retrying`, so none decides these three things on its own.
 *
 * Written with rxjs's `retry({ delay })`: the wait is a `timer` that the abort unsubscribes at once,
 * and nothing outlives the call. (cockatiel 3 waits out its backoff whatever the signal says — a stop
 * would wait up to `maxMs` — and cockatiel 4 is ESM only and needs Node 22.)
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { defer, firstValueFrom, merge, retry, switchMap, throwError, timer, type Observable } from 'rxjs';
import { abortError, isAbort } from '../core/abort';
import type { Logger } from '../core/ports';
import { jitteredDelay, type BackoffOptions } from './backoff';
import { abortOf } from './rx';

export interface RetryPolicy {
  /** The wait before retry `n` (0 before the first retry), ms. */
  delayMs: (retry: number) => number;
  /** Attempts in all, the first included; `Infinity` goes on until success, a failure not worth retrying, or the abort. */
  attempts: number;
  /** Whether a failure is worth another attempt: `isTransient` unless a caller knows better. */
  retryable?: (error: unknown) => boolean;
}

export interface RetryHooks {
  /** Ends the retries, even mid-attempt or mid-wait: `retrying` then rejects with its AbortError (core/abort.ts). */
  signal?: AbortSignal | undefined;
  /** Told of each failure that is retried, before the wait: to log it. */
  onRetry?: (error: unknown, next: { attempt: number; delayMs: number }) => void;
}

/** Jittered exponential backoff (backoff.ts), for `attempts` attempts in all. */
export function backoffPolicy(backoff: BackoffOptions, attempts = Infinity, retryable?: (error: unknown) => boolean): RetryPolicy {
  return { delayMs: (n) => jitteredDelay(n, backoff), attempts, ...(retryable === undefined ? {} : { retryable }) };
}

/** One attempt, then one more after each of `delaysMs`. */
export function delaysPolicy(delaysMs: readonly number[]): RetryPolicy {
  return { delayMs: (n) => delaysMs[n] ?? 0, attempts: delaysMs.length + 1 };
}

/**
 * Calls `attempt` until it resolves, waiting `policy.delayMs` between failures. Rejects with the
 * failure itself once it is not retryable or the attempts are spent, and with the AbortError as soon
 * as `hooks.signal` aborts (what the attempt in flight then does is ignored).
 */
export function retrying<T>(attempt: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const { signal } = hooks;
  if (signal?.aborted === true) return Promise.reject(abortError(signal));
  const retryable = policy.retryable ?? isTransient;
  const attempts: Observable<T> = defer(attempt).pipe(
    retry({
      count: policy.attempts - 1,
      delay: (error: unknown, retries: number) => {
        if (!retryable(error)) return throwError(() => error);
        const delayMs = policy.delayMs(retries - 1);
        hooks.onRetry?.(error, { attempt: retries, delayMs });
        return timer(delayMs);
      },
    }),
  );
  if (signal === undefined) return firstValueFrom(attempts);
  const aborted = abortOf(signal).pipe(switchMap(() => throwError(() => abortError(signal))));
  return firstValueFrom(merge(attempts, aborted));
}

/** `onRetry` that logs each retried failure as a warning, with `context` (e.g. `{ shardId }`). */
export function logRetries(logger: Logger, context: Record<string, unknown>, message: string): NonNullable<RetryHooks['onRetry']> {
  return (error, { attempt, delayMs }) => logger.warn({ ...context, attempt, retryInMs: delayMs, err: error }, message);
}

/**
 * Whether another attempt may succeed where this one failed.
 *
 * Never: an abort (someone asked to stop), and every AWS error the service put down to the request —
 * a validation error, a failed condition, a missing resource, a refused permission: the same request
 * fails the same way. Always: what the AWS SDK itself counts as throttling, transient (timeouts, 5xx,
 * a connection reset or refused, a name that did not resolve) or a server fault.
 *
 * Anything else — Redis, the file system, a dead-letter sink, a test's fake — is not an AWS answer
 * and says nothing of the request, so it is presumed transient: the writes a shard must not go past
 * are retried until they land rather than dropped on an error nobody classified.
 */
export function isTransient(error: unknown): boolean {
  if (isAbort(error) || typeof error !== 'object' || error === null) return false;
  const sdkError = error as Parameters<typeof isTransientError>[0];
  if (isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError)) return true;
  return !isServiceRefusal(error);
}

/** An AWS service's answer that the request was at fault (4xx), or one of the names that always mean so. */
function isServiceRefusal(error: object): boolean {
  const { $fault, $metadata, name } = error as { $fault?: unknown; $metadata?: { httpStatusCode?: number }; name?: unknown };
  if ($fault === 'client') return true;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return true;
  return typeof name === 'string' && PERMANENT_NAMES.has(name);
}

/** Refusals by name, for the errors that come without the SDK's metadata (a fake, an emulator's odd answer). */
const PERMANENT_NAMES = new Set(['ValidationException', 'ConditionalCheckFailedException', 'InvalidArgumentException', 'SerializationException']);
