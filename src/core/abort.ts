/**
 * Aborts, told apart from failures. A signal aborted with a reason of its own (`new Error('stop
 * deadline passed')`) rejects what it ends with that reason, which code further up cannot tell from
 * a store's failure — the response ledger retried such a "failure" on a timer for ~20 s. So whatever
 * an abort ends rejects with an `AbortError`, the reason kept as its message and `cause`.
 */

/** The error an aborted operation rejects with: named `AbortError`, the signal's reason as cause. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
}

/** The AbortError for `signal`'s abort: its reason when that is one already, otherwise one wrapping it. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const message = reason instanceof Error ? reason.message : reason === undefined ? 'aborted' : String(reason);
  return new AbortError(message, { cause: reason });
}

/** True for the rejection of an aborted sleep or request (or for any error once `signal` has aborted). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted === true) return true;
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'AbortError';
}
