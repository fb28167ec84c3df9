/**
 * What the rxjs streams of this project share: an abort as an observable, a scheduler whose timers
 * do not keep the process alive, and polling on it. Never for the per-record hot path: these are
 * the streams of events in time around it (polls, syncs, waits).
 */
import { catchError, concatMap, defer, EMPTY, exhaustMap, finalize, fromEvent, interval, map, of, Subject, Subscription, throttle, type Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** Emits once when `signal` aborts — at once if it has already (a DOM event would never come then). */
export function abortOf(signal: AbortSignal): Observable<void> {
  return signal.aborted ? of(undefined) : fromEvent(signal, 'abort').pipe(map(() => undefined));
}

/**
 * rxjs's async scheduler with its timers unref'd: a poll of a registry or a directory, or a driver's
 * periodic shard listing, must not keep its host process alive on its own.
 */
export const unrefScheduler: SchedulerLike = {
  now: () => Date.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new UnrefAction(work).schedule(state, delay);
  },
};

class UnrefAction<T> extends Subscription implements SchedulerAction<T> {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
    super(() => clearTimeout(this.#timer));
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.work(state), delay).unref();
    return this;
  }
}

/**
 * Runs `work` for each of `requests`, one run at a time: whatever is asked while a run goes on makes
 * one more run after it, however often it was asked (throttle's trailing edge, with the run as its
 * duration). A run that fails is told to `onError`, and the next request runs again.
 */
export function coalesced(requests: Observable<unknown>, work: () => Promise<unknown>, onError: (error: unknown) => void): Observable<unknown> {
  const ran = new Subject<void>();
  const run = defer(work).pipe(
    catchError((error: unknown) => {
      onError(error);
      return EMPTY;
    }),
    finalize(() => ran.next()),
  );
  return requests.pipe(
    throttle(() => ran, { leading: true, trailing: true }),
    concatMap(() => run),
  );
}

/**
 * Runs `work` every `everyMs` until unsubscribed, skipping a tick while the last run is still going
 * (a slow store is not asked twice at once); a run that fails is told to `onError` and the polling
 * goes on.
 */
export function poll(everyMs: number, work: () => Promise<unknown>, onError: (error: unknown) => void): Subscription {
  const run = defer(work).pipe(
    catchError((error: unknown) => {
      onError(error);
      return EMPTY;
    }),
  );
  return interval(everyMs, unrefScheduler)
    .pipe(exhaustMap(() => run))
    .subscribe();
}
