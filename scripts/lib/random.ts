/**
 * A seeded random source, so that a simulation run with `--seed N` sends the same actors, the same
 * attacks and the same traffic mix every time. Wall-clock timings still differ.
 */
import { seededRandom } from '../../src/testing/random';

export class Random {
  /** A number in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
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
