/**
 * String keys → dense slot numbers, without a JavaScript object per key.
 *
 * A `Map<string, number>` would keep every key's string alive and grow a table the garbage collector
 * must trace; under a flood of fresh actors that is most of the engine's time. Here the characters
 * of each key are copied into an arena (a Uint16Array), and an open-addressing table of slot numbers
 * (linear probing, backward-shift deletion, load at most one half) finds them by a 32-bit FNV-1a
 * hash. The strings the decoder made die young, which is what the collector is fast at.
 */

const EMPTY = 0; // buckets hold slot + 1

export function hashKey(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

export class KeyIndex {
  private buckets: Int32Array;
  private mask: number;
  /** Per slot: hash, and where the key's characters are; length 0 marks a free slot. */
  private hashes: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private arena: Uint16Array;
  private arenaUsed = 0;
  private arenaLive = 0;
  private readonly free: number[] = [];
  /** Slots handed out so far (live or free): slot numbers are below this. */
  used = 0;
  size = 0;

  constructor(
    initialSlots = 1024,
    /** Called when the slot capacity grows, so slot-indexed arrays can follow. */
    private readonly onGrow: (capacity: number) => void = () => {},
  ) {
    this.buckets = new Int32Array(initialSlots * 2);
    this.mask = this.buckets.length - 1;
    this.hashes = new Int32Array(initialSlots);
    this.offsets = new Int32Array(initialSlots);
    this.lengths = new Int32Array(initialSlots);
    this.arena = new Uint16Array(initialSlots * 16);
  }

  get capacity(): number {
    return this.lengths.length;
  }

  isLive(slot: number): boolean {
    return (this.lengths[slot] as number) > 0;
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    const hash = hashKey(key);
    for (let b = hash & this.mask; ; b = (b + 1) & this.mask) {
      const entry = this.buckets[b] as number;
      if (entry === EMPTY) return -1;
      if (this.hashes[entry - 1] === hash && this.equals(entry - 1, key)) return entry - 1;
    }
  }

  /** The slot of `key`, inserted if absent; `inserted` then tells it is new. */
  inserted = false;
  findOrInsert(key: string): number {
    const hash = hashKey(key);
    let b = hash & this.mask;
    for (; ; b = (b + 1) & this.mask) {
      const entry = this.buckets[b] as number;
      if (entry === EMPTY) break;
      if (this.hashes[entry - 1] === hash && this.equals(entry - 1, key)) {
        this.inserted = false;
        return entry - 1;
      }
    }
    this.inserted = true;
    const slot = this.take(key, hash);
    if ((this.size + 1) * 2 > this.buckets.length) {
      this.size++;
      this.rehash(this.buckets.length * 2);
    } else {
      this.buckets[b] = slot + 1;
      this.size++;
    }
    return slot;
  }

  remove(slot: number): void {
    let b = (this.hashes[slot] as number) & this.mask;
    while (this.buckets[b] !== slot + 1) b = (b + 1) & this.mask;
    this.buckets[b] = EMPTY;
    // Backward shift: pull up every following entry whose home is not between the hole and it.
    for (let j = (b + 1) & this.mask; this.buckets[j] !== EMPTY; j = (j + 1) & this.mask) {
      const home = (this.hashes[(this.buckets[j] as number) - 1] as number) & this.mask;
      const stays = b <= j ? home > b && home <= j : home > b || home <= j;
      if (!stays) {
        this.buckets[b] = this.buckets[j] as number;
        this.buckets[j] = EMPTY;
        b = j;
      }
    }
    this.arenaLive -= this.lengths[slot] as number;
    this.lengths[slot] = 0;
    this.free.push(slot);
    this.size--;
  }

  /** The key of a live slot, as a string (for messages and tests; the hot path never needs it). */
  keyOf(slot: number): string {
    const offset = this.offsets[slot] as number;
    return String.fromCharCode(...this.arena.subarray(offset, offset + (this.lengths[slot] as number)));
  }

  private equals(slot: number, key: string): boolean {
    const length = key.length;
    if (this.lengths[slot] !== length) return false;
    const offset = this.offsets[slot] as number;
    const arena = this.arena;
    for (let i = 0; i < length; i++) if (arena[offset + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private take(key: string, hash: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.lengths.length) this.growSlots();
    }
    const length = key.length;
    if (this.arenaUsed + length > this.arena.length) this.makeRoom(length);
    const offset = this.arenaUsed;
    for (let i = 0; i < length; i++) this.arena[offset + i] = key.charCodeAt(i);
    this.arenaUsed += length;
    this.arenaLive += length;
    this.hashes[slot] = hash;
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
    return slot;
  }

  /** Compacts the arena when half of it is dead keys; doubles it otherwise. */
  private makeRoom(needed: number): void {
    const size = Math.max(this.arena.length * (this.arenaLive * 2 > this.arena.length ? 2 : 1), (this.arenaLive + needed) * 2);
    const arena = new Uint16Array(size);
    let used = 0;
    for (let slot = 0; slot < this.used; slot++) {
      const length = this.lengths[slot] as number;
      if (length === 0) continue;
      const offset = this.offsets[slot] as number;
      arena.set(this.arena.subarray(offset, offset + length), used);
      this.offsets[slot] = used;
      used += length;
    }
    this.arena = arena;
    this.arenaUsed = used;
  }

  private growSlots(): void {
    const capacity = this.lengths.length * 2;
    const grow = (old: Int32Array) => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.onGrow(capacity);
  }

  private rehash(bucketCount: number): void {
    this.buckets = new Int32Array(bucketCount);
    this.mask = bucketCount - 1;
    for (let slot = 0; slot < this.used; slot++) {
      if (this.lengths[slot] === 0) continue;
      let b = (this.hashes[slot] as number) & this.mask;
      while (this.buckets[b] !== EMPTY) b = (b + 1) & this.mask;
      this.buckets[b] = slot + 1;
    }
  }
}
