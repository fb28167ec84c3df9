/**
 * Waiting for a resource AWS creates asynchronously (a stream, a table) to become usable. Bounded by
 * time, not by a number of polls: a slow call eats into the budget instead of stretching it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions<T> {
  /** Pause between two polls. */
  pollMs: number;
  /** Give up (throw) once this much time has passed without `ready`. */
  timeoutMs: number;
  /** What is still awaited, for the error: e.g. `table riposte-apps is still CREATING`. */
  notReady: (last: T) => string;
}

/** Calls `poll` until `ready` holds for its result, and resolves with that result. */
export async function waitUntil<T>(poll: () => Promise<T>, ready: (value: T) => boolean, o: WaitOptions<T>): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const value = await poll();
    if (ready(value)) return value;
    if (Date.now() >= deadline) throw new Error(`${o.notReady(value)} after ${o.timeoutMs / 1000} s`);
    await sleep(o.pollMs);
  }
}
