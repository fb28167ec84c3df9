/**
 * The count and distinct primitives against brute-force oracles, on random event times arriving out
 * of order within the allowed lateness (the processor drops later ones before any window sees them).
 */
import fc from 'fast-check';
import { countCap } from '../../src/window/count';
import { WindowBudget } from '../../src/window/keyed';
import { CountTable, DistinctTable } from '../../src/window/slots';

const arrivals = fc.record({
  threshold: fc.integer({ min: 1, max: 4 }),
  windowMs: fc.integer({ min: 1, max: 10 }),
  latenessMs: fc.integer({ min: 0, max: 12 }),
  events: fc.array(fc.record({ time: fc.integer({ min: 0, max: 25 }), value: fc.constantFrom('a', 'b', 'c', 'd', 'e') }), { minLength: 1, maxLength: 14 }),
});

/** Replays `events` as the processor would: late ones dropped, the watermark passed along. */
function* onTime<T extends { time: number }>(events: readonly T[], latenessMs: number): Generator<{ event: T; oldestOnTime: number }> {
  let max = -Infinity;
  for (const event of events) {
    if (event.time < max - latenessMs) continue;
    max = Math.max(max, event.time);
    yield { event, oldestOnTime: max - latenessMs };
  }
}

describe('the count window', () => {
  /** Some window [a, a + W) holding `time` holds `threshold` of the times. */
  const oracle = (times: readonly number[], time: number, threshold: number, windowMs: number) =>
    times.some((a) => a <= time && time < a + windowMs && times.filter((t) => t >= a && t < a + windowMs).length >= threshold);

  it('reports exactly the events that complete N within W, until the key has fired', () => {
    fc.assert(
      fc.property(arrivals, ({ threshold, windowMs, latenessMs, events }) => {
        const table = new CountTable(new WindowBudget(Infinity));
        const seen: number[] = [];
        let fired = false;
        const cap = countCap(threshold, windowMs, latenessMs);
        for (const { event, oldestOnTime } of onTime(events, latenessMs)) {
          seen.push(event.time);
          const match = table.observe('key', event.time, 0, threshold, windowMs, oldestOnTime - windowMs, cap);
          const expected = oracle(seen, event.time, threshold, windowMs);
          if (match !== null) expect(expected).toBe(true); // never a window that is not there
          if (!fired) expect(match !== null).toBe(expected);
          fired ||= match !== null;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the distinct window', () => {
  /** Distinct values seen in (T - W, T], T the newest time so far. */
  const oracle = (seen: readonly { time: number; value: string }[], windowMs: number) => {
    const newest = Math.max(...seen.map((e) => e.time));
    return new Set(seen.filter((e) => e.time > newest - windowMs).map((e) => e.value)).size;
  };

  it('reports N distinct values within the W ending at the newest event, exactly', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 0, max: 3 }), ({ threshold, windowMs, latenessMs, events }, extra) => {
        const table = new DistinctTable(new WindowBudget(Infinity));
        const seen: { time: number; value: string }[] = [];
        for (const { event } of onTime(events, latenessMs)) {
          seen.push(event);
          const fired = table.observe('key', event.value, event.time, threshold, windowMs, threshold + extra) !== null;
          expect(fired).toBe(oracle(seen, windowMs) >= threshold);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
