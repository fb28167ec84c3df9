/**
 * The sequence primitive against a brute-force oracle: for random steps, windows, event times,
 * step masks and arrival orders (out of order within the allowed lateness), the primitive reports an
 * event exactly when some complete sequence holds it, among the events the processor would accept.
 * Small caps and fold sizes make every path run: early folds, watermark folds, frontier rebuilds.
 */
import fc from 'fast-check';
import { addToSequence, SequenceShape, SequenceState } from '../../src/window/sequence';

interface Ev {
  time: number;
  mask: number;
}

/** Is there a complete sequence of `counts` among `events` holding `events[must]`, all within [lo, hi] and spanning less than W? */
function oracle(events: readonly Ev[], must: number, counts: readonly number[], windowMs: number, lo = -Infinity, hi = Infinity): boolean {
  const used = new Set<number>();
  const candidates = events.map((_, i) => i).filter((i) => (events[i] as Ev).time >= lo && (events[i] as Ev).time <= hi);
  // Step j, `left` events still to pick for it, each after `after` (exclusive) when the step starts.
  const search = (j: number, left: number, stepStart: number, stepMax: number, first: number): boolean => {
    if (j === counts.length) {
      return used.has(must) && stepMax - first < windowMs;
    }
    if (left === 0) return search(j + 1, counts[j + 1] ?? 0, stepMax, -Infinity, first);
    for (const i of candidates) {
      const e = events[i] as Ev;
      if (used.has(i) || !((e.mask >> j) & 1) || !(e.time > stepStart)) continue;
      // Pick a step's events in index order among equal keys to avoid trying permutations.
      if (stepMax !== -Infinity && lastPicked.get(j) !== undefined && i < (lastPicked.get(j) as number)) continue;
      const newFirst = Math.min(first, e.time);
      if (Math.max(stepMax, e.time) - newFirst >= windowMs) continue;
      used.add(i);
      const previous = lastPicked.get(j);
      lastPicked.set(j, i);
      const found = search(j, left - 1, stepStart, Math.max(stepMax, e.time), newFirst);
      used.delete(i);
      if (previous === undefined) lastPicked.delete(j);
      else lastPicked.set(j, previous);
      if (found) return true;
    }
    return false;
  };
  const lastPicked = new Map<number, number>();
  return search(0, counts[0] as number, -Infinity, -Infinity, Infinity);
}

const scenario = fc.record({
  counts: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
  windowMs: fc.integer({ min: 1, max: 16 }),
  latenessMs: fc.integer({ min: 0, max: 8 }),
  cap: fc.oneof(fc.constant(1024), fc.integer({ min: 1, max: 4 })),
  foldAt: fc.oneof(fc.constant(16), fc.integer({ min: 1, max: 4 })),
  events: fc.array(fc.record({ time: fc.integer({ min: 0, max: 12 }), mask: fc.integer({ min: 1, max: 7 }) }), { minLength: 1, maxLength: 12 }),
});

describe('the sequence window', () => {
  it('reports an event exactly when a complete sequence within the window holds it', () => {
    fc.assert(
      fc.property(scenario, ({ counts, windowMs, latenessMs, cap, foldAt, events }) => {
        const shape = new SequenceShape(counts, windowMs, cap, foldAt);
        const state = new SequenceState(shape, 0);
        const full = (1 << counts.length) - 1;
        const accepted: Ev[] = [];
        let maxTime = -Infinity;
        for (const raw of events) {
          const e = { time: raw.time, mask: raw.mask & full || 1 };
          if (e.time < maxTime - latenessMs) continue; // late: the processor drops it before any window
          maxTime = Math.max(maxTime, e.time);
          const refusedBefore = shape.refused;
          const match = addToSequence(state, shape, e.time, e.mask, maxTime - latenessMs);
          if (shape.refused > refusedBefore) {
            expect(cap).toBeLessThan(1024);
            expect(match).toBeNull();
            continue;
          }
          accepted.push(e);
          const expected = oracle(accepted, accepted.length - 1, counts, windowMs);
          expect({ time: e.time, fired: match !== null }).toEqual({ time: e.time, fired: expected });
          if (match !== null) {
            expect(match.count).toBe(counts.reduce((a, b) => a + b, 0));
            expect(match.lastSeen - match.firstSeen).toBeLessThan(windowMs);
            expect(oracle(accepted, accepted.length - 1, counts, windowMs, match.firstSeen, match.lastSeen)).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never refuses a report while a key stays under the cap', () => {
    fc.assert(
      fc.property(scenario, ({ counts, windowMs, latenessMs, foldAt, events }) => {
        const shape = new SequenceShape(counts, windowMs, undefined, foldAt);
        const state = new SequenceState(shape, 0);
        let maxTime = -Infinity;
        for (const e of events) {
          if (e.time < maxTime - latenessMs) continue;
          maxTime = Math.max(maxTime, e.time);
          addToSequence(state, shape, e.time, e.mask & ((1 << counts.length) - 1) || 1, maxTime - latenessMs);
        }
        expect(shape.refused).toBe(0);
      }),
    );
  });
});
