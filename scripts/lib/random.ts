/**
 * A seeded random source (mulberry32), so that a simulation run with `--seed N` sends the same
 * actors, the same attacks and the same traffic mix every time. Wall-clock timings still differ.
 */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `ms` scaled by a factor in [1 - spread, 1 + spread]. */
  jitter(ms: number, spread = 0.5): number {
    return Math.max(0, Math.round(ms * (1 - spread + 2 * spread * this.next())));
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** A seed for a run that was not given one: printed, so the run can be repeated. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 1_000_000_000);
}
