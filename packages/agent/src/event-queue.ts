/**
 * The events waiting to be sent: a ring of fixed capacity. When Riposte is unreachable the agent
 * keeps the newest events and drops the oldest, counted, so its memory stays bounded however long
 * the outage lasts; the application never waits for room. (OpenTelemetry drops the newest; for
 * detection the latest reports matter more, and the issue asks for the oldest to go.)
 */
export class BoundedQueue<T> {
  readonly #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Adds at the back; returns how many of the oldest were dropped to make room (0 or 1). */
  push(item: T): number {
    const dropped = this.#length === this.capacity ? 1 : 0;
    if (dropped === 1) this.#dropFront();
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length += 1;
    return dropped;
  }

  /** Takes up to `count` from the front, oldest first. */
  take(count: number): T[] {
    const n = Math.min(count, this.#length);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.#items[this.#head] as T;
      this.#dropFront();
    }
    return out;
  }

  /**
   * Puts `items` (taken earlier, oldest first) back at the front, where they came from. They are the
   * oldest of all: when there is no room for every one, the oldest of them are dropped; returns how many.
   */
  putBack(items: readonly T[]): number {
    const room = this.capacity - this.#length;
    const kept = items.length <= room ? items : items.slice(items.length - room);
    for (let i = kept.length - 1; i >= 0; i--) {
      this.#head = (this.#head - 1 + this.capacity) % this.capacity;
      this.#items[this.#head] = kept[i];
      this.#length += 1;
    }
    return items.length - kept.length;
  }

  #dropFront(): void {
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length -= 1;
  }
}
