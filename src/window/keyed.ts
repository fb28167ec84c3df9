/**
 * Window state per key (an IP, a login, …), with idle expiry and a shared memory budget. Count and
 * distinct signals keep theirs in slot tables (slots.ts), which follow the same rules without an
 * object per key; KeyedWindows holds one object per key, for window kinds whose state is richer.
 *
 * A Map keeps insertion order, and that order is what expiry and eviction walk. Moving a key to the
 * back on every event would cost a delete and an insert per event per detector, so keys stay where
 * they were inserted and carry a `stamp` (when they were inserted or last moved, in seconds). A sweep
 * walks from the front: a key idle past the horizon is dropped; a key still active is moved to the
 * back and re-stamped; the sweep stops at the first key stamped after the horizon, since every key
 * behind it is younger. Each key is moved at most once per window, so expiry is amortised O(1) per
 * event. Budget eviction walks the same order: the front is the least recently seen (a second-chance
 * approximation of LRU).
 */

/** What the processor needs of any window table: its size, idle expiry, and budget eviction. */
export interface WindowTable {
  readonly size: number;
  /**
   * Drops keys whose newest event is older than `horizon` (ms), `now` being the newest event time on
   * the shard; returns how many.
   */
  expire(horizon: number, now: number): number;
  /** Evicts up to `count` keys, least recently seen first; returns how many. */
  evict(count: number, now: number): number;
  clear(): void;
}

export interface WindowState {
  stamp: number;
  newest(): number;
}

/** Counts the window states of one shard processor against its budget. */
export class WindowBudget {
  size = 0;
  evicted = 0;
  constructor(readonly limit: number) {}

  over(): boolean {
    return this.size > this.limit;
  }
}

/** Event time in ms → the seconds stored in `stamp` (small integers, which V8 stores unboxed). */
export function toStamp(time: number): number {
  return Math.floor(time / 1000) - STAMP_EPOCH;
}
const STAMP_EPOCH = 1_577_836_800; // 2020-01-01T00:00:00Z

export class KeyedWindows<S extends WindowState> implements WindowTable {
  readonly states = new Map<string, S>();

  constructor(private readonly budget: WindowBudget) {}

  get size(): number {
    return this.states.size;
  }

  get(key: string): S | undefined {
    return this.states.get(key);
  }

  insert(key: string, state: S): void {
    this.states.set(key, state);
    this.budget.size++;
  }

  /** Drops keys whose newest event is older than `horizon` (ms). */
  expire(horizon: number, now: number): number {
    const horizonStamp = toStamp(horizon);
    const nowStamp = toStamp(now);
    let dropped = 0;
    for (const [key, state] of this.states) {
      if (state.stamp >= horizonStamp) break;
      this.states.delete(key);
      if (state.newest() < horizon) {
        dropped++;
      } else {
        state.stamp = nowStamp;
        this.states.set(key, state);
      }
    }
    this.budget.size -= dropped;
    return dropped;
  }

  /** Evicts up to `count` keys, least recently seen first. */
  evict(count: number, now: number): number {
    const nowStamp = toStamp(now);
    let evicted = 0;
    let visited = 0;
    const visitLimit = count * 2;
    for (const [key, state] of this.states) {
      if (evicted >= count || visited++ >= visitLimit) break;
      this.states.delete(key);
      if (toStamp(state.newest()) > state.stamp && state.stamp < nowStamp) {
        // Seen since it was stamped: a second chance at the back of the line.
        state.stamp = nowStamp;
        this.states.set(key, state);
      } else {
        evicted++;
      }
    }
    this.budget.size -= evicted;
    this.budget.evicted += evicted;
    return evicted;
  }

  clear(): void {
    this.budget.size -= this.states.size;
    this.states.clear();
  }
}
