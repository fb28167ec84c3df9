/**
 * Window state for count and distinct signals, in slot tables.
 *
 * Most keys a shard sees are fresh actors seen once (and under a flood of spoofed addresses, nearly
 * all of them). Holding each in its own objects — a state, an array, a string key in a Map — costs
 * allocation and, worse, garbage-collector work to copy them out of the young generation. So a key
 * owns a slot of a KeyIndex (key-index.ts), and a slot's data lives in typed arrays: the newest
 * event time, and whether the key was seen again since the clock hand last passed. A key seen once
 * needs nothing else. Only a key seen again — the rare actor worth watching — gets arrays of times
 * (and values), kept in a side map by slot.
 *
 * Expiry and the memory budget both use a clock hand (the CLOCK approximation of least-recently-
 * used): it walks the slots in a circle, drops those idle past the horizon, and when the budget
 * binds, evicts those not seen since it last passed — giving the others a second chance. Fresh
 * actors seen once are the first to go, an attacker reporting steadily the last.
 */
import { grown } from './arrays';
import { addToCount } from './count';
import { addToDistinct } from './distinct';
import { CharArena } from './char-arena';
import { KeyIndex } from './key-index';
import type { WindowBudget, WindowTable } from './keyed';
import { DUPLICATE, type WindowMatch } from './types';

const INITIAL_CAPACITY = 1024;

abstract class SlotTable implements WindowTable {
  protected readonly keys: KeyIndex;
  /** Newest event time (ms) per slot. */
  protected newest = new Float64Array(INITIAL_CAPACITY);
  /** Per slot: 1 when the key was seen since the clock hand last passed. */
  private seen = new Uint8Array(INITIAL_CAPACITY);
  private hand = 0;
  private lastExpiry = -Infinity;

  constructor(private readonly budget: WindowBudget) {
    this.keys = new KeyIndex(INITIAL_CAPACITY, (capacity) => this.grow(capacity));
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * The slot of `key`, marked seen; a new slot (`this.keys.inserted`) starts with `time` as its
   * newest time and is not marked: a key must be seen twice before the clock spares it.
   */
  protected slotFor(key: string, time: number): number {
    const slot = this.keys.findOrInsert(key);
    if (this.keys.inserted) {
      this.newest[slot] = time;
      this.seen[slot] = 0;
      this.budget.size++;
    } else {
      this.seen[slot] = 1;
    }
    return slot;
  }

  /** Forgets what a released slot held beyond its newest time. */
  protected abstract release(slot: number): void;

  private drop(slot: number): void {
    this.keys.remove(slot);
    this.release(slot);
  }

  expire(horizon: number, now: number): number {
    // One turn of the hand per span from the horizon to now keeps memory to the live keys (and those
    // idle less than a turn): each call walks the share of slots for the event time since the last.
    const used = this.keys.used;
    const span = now - horizon;
    const share = this.lastExpiry === -Infinity || span <= 0 ? 1 : Math.min(1, (now - this.lastExpiry) / span);
    this.lastExpiry = now;
    if (used === 0) return 0;
    let dropped = 0;
    const slice = Math.min(used, Math.ceil(used * share) + 16);
    for (let n = 0; n < slice; n++) {
      const slot = this.advance(used);
      if (this.keys.isLive(slot) && (this.newest[slot] as number) < horizon) {
        this.drop(slot);
        dropped++;
      }
    }
    this.budget.size -= dropped;
    return dropped;
  }

  evict(count: number): number {
    const used = this.keys.used;
    let evicted = 0;
    for (let visited = 0; evicted < count && visited < used * 2; visited++) {
      const slot = this.advance(used);
      if (!this.keys.isLive(slot)) continue;
      if (this.seen[slot] === 1) {
        this.seen[slot] = 0; // a second chance
      } else {
        this.drop(slot);
        evicted++;
      }
    }
    this.budget.size -= evicted;
    this.budget.evicted += evicted;
    return evicted;
  }

  clear(): void {
    for (let slot = 0; slot < this.keys.used; slot++) {
      if (!this.keys.isLive(slot)) continue;
      this.drop(slot);
      this.budget.size--;
    }
  }

  private advance(used: number): number {
    const slot = this.hand;
    this.hand = slot + 1 >= used ? 0 : slot + 1;
    return slot;
  }

  /** Slot-indexed arrays follow the key index's capacity. */
  protected grow(capacity: number): void {
    this.newest = grown(this.newest, capacity);
    this.seen = grown(this.seen, capacity);
  }
}

/**
 * Count windows: a key seen once is its newest time and the hash of its event's id; a key seen again
 * gets arrays of times and id hashes (see count.ts for why the ids).
 */
export class CountTable extends SlotTable {
  private firstId = new Float64Array(INITIAL_CAPACITY);
  private readonly history = new Map<number, { times: number[]; ids: number[] }>();

  observe(key: string, time: number, idHash: number, threshold: number, windowMs: number, horizon: number, cap: number): WindowMatch | null {
    const slot = this.slotFor(key, time);
    if (this.keys.inserted) {
      this.firstId[slot] = idHash;
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

  protected override grow(capacity: number): void {
    super.grow(capacity);
    this.firstId = grown(this.firstId, capacity);
  }
}

/**
 * Distinct windows: a key seen once is its value and newest time; seen again, its values and times.
 * First values are kept in an arena, like keys, for the same reason.
 */
export class DistinctTable extends SlotTable {
  private readonly firstValue = new CharArena(INITIAL_CAPACITY);
  private readonly history = new Map<number, { values: string[]; times: number[] }>();

  observe(key: string, value: string, time: number, threshold: number, windowMs: number, cap: number): WindowMatch | null {
    const slot = this.slotFor(key, time);
    if (this.keys.inserted) {
      this.firstValue.set(slot, value, this.keys.used);
      return threshold <= 1 ? { count: 1, firstSeen: time, lastSeen: time, samples: [value] } : null;
    }
    let seen = this.history.get(slot);
    if (seen === undefined) {
      if (this.firstValue.equals(slot, value)) {
        if (time > (this.newest[slot] as number)) this.newest[slot] = time;
        return threshold <= 1 ? { count: 1, firstSeen: this.newest[slot] as number, lastSeen: this.newest[slot] as number, samples: [value] } : null;
      }
      seen = { values: [this.firstValue.text(slot)], times: [this.newest[slot] as number] };
      this.firstValue.clear(slot);
      this.history.set(slot, seen);
    }
    const match = addToDistinct(seen.values, seen.times, value, time, threshold, windowMs, cap);
    this.newest[slot] = seen.times[seen.times.length - 1] as number;
    return match;
  }

  protected release(slot: number): void {
    this.firstValue.clear(slot);
    this.history.delete(slot);
  }

  protected override grow(capacity: number): void {
    super.grow(capacity);
    this.firstValue.growSlots(capacity);
  }
}
