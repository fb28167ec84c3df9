/**
 * Short strings held by slot number in one Uint16Array, instead of as JavaScript strings: a table of
 * a million keys then costs the garbage collector nothing to trace. Freed strings leave holes; the
 * arena compacts itself when half of it is holes, and doubles when it is full of live text.
 */
import { grown } from './arrays';

export class CharArena {
  private chars: Uint16Array;
  private used = 0;
  private live = 0;
  /** Per slot: where its text starts, and its length (0: no text). */
  private offsets: Int32Array;
  private lengths: Int32Array;

  constructor(slots: number, charsPerSlot = 16) {
    this.offsets = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.chars = new Uint16Array(slots * charsPerSlot);
  }

  lengthOf(slot: number): number {
    return this.lengths[slot] as number;
  }

  set(slot: number, text: string, slotsInUse: number): void {
    const length = text.length;
    if (this.used + length > this.chars.length) this.makeRoom(length, slotsInUse);
    const offset = this.used;
    const chars = this.chars;
    for (let i = 0; i < length; i++) chars[offset + i] = text.charCodeAt(i);
    this.used += length;
    this.live += length - (this.lengths[slot] as number);
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
  }

  equals(slot: number, text: string): boolean {
    const length = text.length;
    if (this.lengths[slot] !== length) return false;
    const offset = this.offsets[slot] as number;
    const chars = this.chars;
    for (let i = 0; i < length; i++) if (chars[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  text(slot: number): string {
    const offset = this.offsets[slot] as number;
    return String.fromCharCode(...this.chars.subarray(offset, offset + (this.lengths[slot] as number)));
  }

  clear(slot: number): void {
    this.live -= this.lengths[slot] as number;
    this.lengths[slot] = 0;
  }

  /** Follows the slot capacity of the table that owns the arena. */
  growSlots(capacity: number): void {
    this.offsets = grown(this.offsets, capacity);
    this.lengths = grown(this.lengths, capacity);
  }

  private makeRoom(needed: number, slotsInUse: number): void {
    const size = Math.max(this.chars.length * (this.live * 2 > this.chars.length ? 2 : 1), (this.live + needed) * 2);
    const chars = new Uint16Array(size);
    let used = 0;
    for (let slot = 0; slot < slotsInUse; slot++) {
      const length = this.lengths[slot] as number;
      if (length === 0) continue;
      const offset = this.offsets[slot] as number;
      chars.set(this.chars.subarray(offset, offset + length), used);
      this.offsets[slot] = used;
      used += length;
    }
    this.chars = chars;
    this.used = used;
  }
}
