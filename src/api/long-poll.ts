/**
 * Waits for a change of one application while a long-poll is held open. It subscribes when it is
 * created, before the first read, so a change published between that read and the wait is not lost:
 * `wait` then returns at once.
 */
import type { ChangeFeed } from '../cache/change-feed';

export type WaitOutcome = 'changed' | 'timeout' | 'aborted';

export class ChangeWaiter {
  #pending = false;
  #wake: (() => void) | undefined;
  readonly #unsubscribe: () => void;

  constructor(feed: ChangeFeed, appId: string) {
    this.#unsubscribe = feed.subscribe(appId, () => {
      this.#pending = true;
      this.#wake?.();
    });
  }

  /** Resolves with 'changed' once a change was published since the last call, or when `ms` passed or `signal` aborted. */
  wait(ms: number, signal: AbortSignal): Promise<WaitOutcome> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve('changed');
    }
    if (signal.aborted) return Promise.resolve('aborted');
    if (ms <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        if (outcome === 'changed') this.#pending = false;
        resolve(outcome);
      };
      const onAbort = (): void => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => finish('changed');
    });
  }

  close(): void {
    this.#wake = undefined;
    this.#unsubscribe();
  }
}
