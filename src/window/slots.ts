/**
 * Window state for count and distinct signals, in slot tables.
 *
 * Most keys a shard sees are fresh actors seen once (and under a flood of spoofed addresses, nearly
 * all of them). Holding each in its own objects — a state, an array, its backing store — costs
 * allocation and, worse, garbage-collector work to copy them out of the young generation. So a key
 * owns a slot number, and a slot's data lives in typed arrays: the newest event time and the stamp
 * (see keyed.ts for how stamps drive expiry and eviction). A key seen once needs nothing else. Only
 * a key seen again — the rare actor worth watching — gets arrays of times (and values), kept in a
 * side map by slot.
 */
import { addToCount } from './count';
import { addToDistinct } from './distinct';
import { toStamp, type WindowBudget, type WindowTable } from './keyed';
import { DUPLICATE, type WindowMatch } from './types';

const INITIAL_CAPACITY = 1024;

abstract class SlotTable implements WindowTable {
  protected readonly index = new Map<string, number>();
  /** Newest event time (ms) per slot. */
  protected newest = new Float64Array(INITIAL_CAPACITY);
  /** Insertion or last-move time (seconds, see toStamp) per slot. */
  private stamps = new Int32Array(INITIAL_CAPACITY);
  private readonly free: number[] = [];
  private used = 0;

  constructor(private readonly budget: WindowBudget) {}

  get size(): number {
    return this.index.size;
  }

  protected allocate(key: string, time: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.newest.length) this.grow();
    }
    this.index.set(key, slot);
    this.newest[slot] = time;
    this.stamps[slot] = toStamp(time);
    this.budget.size++;
    return slot;
  }

  /** Forgets what a released slot held beyond its newest time. */
  protected abstract release(slot: number): void;

  private drop(key: string, slot: number): void {
    this.index.delete(key);
    this.release(slot);
    this.free.push(slot);
  }

  expire(horizon: number, nowStamp: number): number {
    const horizonStamp = toStamp(horizon);
    let dropped = 0;
    for (const [key, slot] of this.index) {
      if ((this.stamps[slot] as number) >= horizonStamp) break;
      if ((this.newest[slot] as number) < horizon) {
        this.drop(key, slot);
        dropped++;
      } else {
        this.index.delete(key);
        this.index.set(key, slot);
        this.stamps[slot] = nowStamp;
      }
    }
    this.budget.size -= dropped;
    return dropped;
  }

  evict(count: number, nowStamp: number): number {
    let evicted = 0;
    let visited = 0;
    const visitLimit = count * 2;
    for (const [key, slot] of this.index) {
      if (evicted >= count || visited++ >= visitLimit) break;
      const stamp = this.stamps[slot] as number;
      if (toStamp(this.newest[slot] as number) > stamp && stamp < nowStamp) {
        // Seen since it was stamped: a second chance at the back of the line.
        this.index.delete(key);
        this.index.set(key, slot);
        this.stamps[slot] = nowStamp;
      } else {
        this.drop(key, slot);
        evicted++;
      }
    }
    this.budget.size -= evicted;
    this.budget.evicted += evicted;
    return evicted;
  }

  clear(): void {
    this.budget.size -= this.index.size;
    for (const [key, slot] of this.index) this.drop(key, slot);
  }

  private grow(): void {
    const newest = new Float64Array(this.newest.length * 2);
    newest.set(this.newest);
    this.newest = newest;
    const stamps = new Int32Array(this.stamps.length * 2);
    stamps.set(this.stamps);
    this.stamps = stamps;
    this.grew(newest.length);
  }

  /** Called when the slot capacity doubles. */
  protected grew(_capacity: number): void {}
}

/**
 * Count windows: a key seen once is its newest time and the hash of its event's id; a key seen again
 * gets arrays of times and id hashes (see count.ts for why the ids).
 */
export class CountTable extends SlotTable {
  private firstId = new Float64Array(INITIAL_CAPACITY);
  private readonly history = new Map<number, { times: number[]; ids: number[] }>();

  observe(key: string, time: number, idHash: number, threshold: number, windowMs: number, horizon: number, cap: number): WindowMatch | null {
    const slot = this.index.get(key);
    if (slot === undefined) {
      this.firstId[this.allocate(key, time)] = idHash;
      return threshold <= 1 ? { count: 1, firstSeen: time, lastSeen: time, samples: [] } : null;
    }
    let seen = this.history.get(slot);
    if (seen === undefined) {
      const first = this.newest[slot] as number;
      if (idHash !== 0 && first === time && this.firstId[slot] === idHash) return DUPLICATE;
      seen = { times: [first], ids: [this.firstId[slot] as number] };
      this.history.set(slot, seen);
    }
    const match = addToCount(seen.times, seen.ids, time, idHash, threshold, windowMs, horizon, cap);
    this.newest[slot] = seen.times[seen.times.length - 1] as number;
    return match;
  }

  protected release(slot: number): void {
    this.history.delete(slot);
  }

  protected override grew(capacity: number): void {
    const ids = new Float64Array(capacity);
    ids.set(this.firstId);
    this.firstId = ids;
  }
}

/** Distinct windows: a key seen once is its value and newest time; seen again, its values and times. */
export class DistinctTable extends SlotTable {
  private firstValue: string[] = new Array<string>(INITIAL_CAPACITY).fill('');
  private readonly history = new Map<number, { values: string[]; times: number[] }>();

  observe(key: string, value: string, time: number, threshold: number, windowMs: number, cap: number): WindowMatch | null {
    const slot = this.index.get(key);
    if (slot === undefined) {
      this.firstValue[this.allocate(key, time)] = value;
      return threshold <= 1 ? { count: 1, firstSeen: time, lastSeen: time, samples: [value] } : null;
    }
    let seen = this.history.get(slot);
    if (seen === undefined) {
      const only = this.firstValue[slot] as string;
      if (only === value) {
        if (time > (this.newest[slot] as number)) this.newest[slot] = time;
        return threshold <= 1 ? { count: 1, firstSeen: this.newest[slot] as number, lastSeen: this.newest[slot] as number, samples: [value] } : null;
      }
      seen = { values: [only], times: [this.newest[slot] as number] };
      this.history.set(slot, seen);
    }
    const match = addToDistinct(seen.values, seen.times, value, time, threshold, windowMs, cap);
    this.newest[slot] = seen.times[seen.times.length - 1] as number;
    return match;
  }

  protected release(slot: number): void {
    this.firstValue[slot] = '';
    this.history.delete(slot);
  }

  protected override grew(capacity: number): void {
    const values = new Array<string>(capacity).fill('');
    for (let i = 0; i < this.firstValue.length; i++) values[i] = this.firstValue[i] as string;
    this.firstValue = values;
  }
}
