/**
 * String keys → dense slot numbers, without a JavaScript object per key.
 *
 * A `Map<string, number>` would keep every key's string alive and grow a table the garbage collector
 * must trace; under a flood of fresh actors that is most of the engine's time. Here the characters
 * of each key are copied into an arena (char-arena.ts), and an open-addressing table of slot numbers
 * (linear probing, backward-shift deletion, load at most one half) finds them by a 32-bit FNV-1a
 * hash. The strings the decoder made die young, which is what the collector is fast at.
 *
 * Each bucket holds the slot and the key's hash side by side, so a probe costs one cache line: the
 * tables are large (a bucket per fresh actor), and memory latency, not arithmetic, is their cost.
 */

import { grown } from './arrays';
import { CharArena } from './char-arena';

const EMPTY = 0; // buckets hold slot + 1, then the key's hash

function hashKey(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

export class KeyIndex {
  private buckets: Int32Array;
  private mask: number;
  /** Per slot: the key's hash; the key's characters are in the arena (length 0 marks a free slot). */
  private hashes: Int32Array;
  private readonly arena: CharArena;
  private readonly free: number[] = [];
  /** Slots handed out so far (live or free): slot numbers are below this. */
  used = 0;
  size = 0;

  constructor(
    initialSlots = 1024,
    /** Called when the slot capacity grows, so slot-indexed arrays can follow. */
    private readonly onGrow: (capacity: number) => void = () => {},
  ) {
    this.buckets = new Int32Array(initialSlots * 4);
    this.mask = initialSlots * 2 - 1;
    this.hashes = new Int32Array(initialSlots);
    this.arena = new CharArena(initialSlots);
  }

  get capacity(): number {
    return this.hashes.length;
  }

  isLive(slot: number): boolean {
    return this.arena.lengthOf(slot) > 0;
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    const hash = hashKey(key);
    const buckets = this.buckets;
    for (let b = hash & this.mask; ; b = (b + 1) & this.mask) {
      const entry = buckets[2 * b] as number;
      if (entry === EMPTY) return -1;
      if (buckets[2 * b + 1] === hash && this.arena.equals(entry - 1, key)) return entry - 1;
    }
  }

  /** The slot of `key`, inserted if absent; `inserted` then tells it is new. */
  inserted = false;
  findOrInsert(key: string): number {
    const hash = hashKey(key);
    const buckets = this.buckets;
    let b = hash & this.mask;
    for (; ; b = (b + 1) & this.mask) {
      const entry = buckets[2 * b] as number;
      if (entry === EMPTY) break;
      if (buckets[2 * b + 1] === hash && this.arena.equals(entry - 1, key)) {
        this.inserted = false;
        return entry - 1;
      }
    }
    this.inserted = true;
    const slot = this.take(key, hash);
    this.size++;
    if (this.size * 2 > this.bucketCount) {
      this.rehash(this.bucketCount * 2);
    } else {
      buckets[2 * b] = slot + 1;
      buckets[2 * b + 1] = hash;
    }
    return slot;
  }

  remove(slot: number): void {
    const buckets = this.buckets;
    let b = (this.hashes[slot] as number) & this.mask;
    while (buckets[2 * b] !== slot + 1) b = (b + 1) & this.mask;
    buckets[2 * b] = EMPTY;
    // Backward shift: pull up every following entry whose home is not between the hole and it.
    for (let j = (b + 1) & this.mask; buckets[2 * j] !== EMPTY; j = (j + 1) & this.mask) {
      const home = (buckets[2 * j + 1] as number) & this.mask;
      const stays = b <= j ? home > b && home <= j : home > b || home <= j;
      if (!stays) {
        buckets[2 * b] = buckets[2 * j] as number;
        buckets[2 * b + 1] = buckets[2 * j + 1] as number;
        buckets[2 * j] = EMPTY;
        b = j;
      }
    }
    this.arena.clear(slot);
    this.free.push(slot);
    this.size--;
  }

  /** The key of a live slot, as a string (for messages and tests; the hot path never needs it). */
  keyOf(slot: number): string {
    return this.arena.text(slot);
  }

  private take(key: string, hash: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.hashes.length) this.growSlots();
    }
    this.arena.set(slot, key, this.used);
    this.hashes[slot] = hash;
    return slot;
  }

  private growSlots(): void {
    const capacity = this.hashes.length * 2;
    this.hashes = grown(this.hashes, capacity);
    this.arena.growSlots(capacity);
    this.onGrow(capacity);
  }

  private get bucketCount(): number {
    return this.mask + 1;
  }

  private rehash(bucketCount: number): void {
    const buckets = new Int32Array(bucketCount * 2);
    this.buckets = buckets;
    this.mask = bucketCount - 1;
    for (let slot = 0; slot < this.used; slot++) {
      if (this.arena.lengthOf(slot) === 0) continue;
      const hash = this.hashes[slot] as number;
      let b = hash & this.mask;
      while (buckets[2 * b] !== EMPTY) b = (b + 1) & this.mask;
      buckets[2 * b] = slot + 1;
      buckets[2 * b + 1] = hash;
    }
  }
}
