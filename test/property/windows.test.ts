/**
 * The window primitives against brute-force oracles, on event streams that arrive out of order.
 * The oracle keeps every accepted event and recomputes from scratch; the primitives keep a few
 * numbers per key. They must make the same decision at every event.
 */
import fc from 'fast-check';
import { addToCount, countCap, CountState } from '../../src/window/count';
import { addToDistinct, DistinctState } from '../../src/window/distinct';
import { Watermark } from '../../src/window/watermark';

interface Arrival {
  time: number;
  value: string;
}

/** Times on a seconds grid (so ties and exact-W gaps happen), mostly in order, with local disorder. */
const stream = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 30 }), jitter: fc.integer({ min: -40, max: 0 }), value: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g') }), {
    minLength: 1,
    maxLength: 120,
  })
  .map((steps) => {
    let clock = 1_800_000_000_000;
    return steps.map((s): Arrival => {
      clock += s.gap * 1000;
      return { time: clock + s.jitter * 1000, value: s.value };
    });
  });

const params = fc.record({
  threshold: fc.integer({ min: 1, max: 8 }),
  windowSeconds: fc.integer({ min: 1, max: 90 }),
  latenessSeconds: fc.integer({ min: 0, max: 60 }),
});

/** Runs the watermark over the stream and yields only the events it accepts, with the watermark then. */
function* accepted(arrivals: readonly Arrival[], latenessMs: number): Generator<Arrival & { oldestOnTime: number }> {
  const wm = new Watermark(latenessMs, Infinity);
  for (const a of arrivals) {
    if (wm.classify(a.time, undefined) === 'on-time') yield { ...a, oldestOnTime: wm.value };
  }
}

describe('count window: N events within W, any placement', () => {
  it('fires exactly when some W-long window holding the new event holds N events', () => {
    fc.assert(
      fc.property(stream, params, (arrivals, p) => {
        const windowMs = p.windowSeconds * 1000;
        const cap = countCap(p.threshold, windowMs, p.latenessSeconds * 1000);
        const seen: number[] = [];
        let state: CountState | undefined;
        let fired = false;
        for (const a of accepted(arrivals, p.latenessSeconds * 1000)) {
          seen.push(a.time);
          // Oracle: a window (s - W, s] containing a.time and N events, for some s.
          const oracle = seen.some((end) => end >= a.time && end - a.time < windowMs && seen.filter((t) => t <= end && end - t < windowMs).length >= p.threshold);
          let actual: boolean;
          if (state === undefined) {
            state = new CountState(a.time, 0);
            actual = p.threshold <= 1;
          } else {
            actual = addToCount(state, a.time, p.threshold, windowMs, a.oldestOnTime - windowMs, cap) !== null;
          }
          if (!fired) expect(state.times.length).toBeLessThanOrEqual(cap); // the cap never binds before a key fires
          // After a key has fired, the cap may drop its oldest times; until then it is exact.
          if (!fired) expect(actual).toBe(oracle);
          fired ||= oracle;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reports how many events the firing window holds', () => {
    const state = new CountState(0, 0);
    let match = null;
    for (const t of [1000, 2000, 3000, 3000]) match = addToCount(state, t, 5, 10_000, -Infinity, 100);
    expect(match).toEqual({ count: 5, firstSeen: 0, lastSeen: 3000, samples: [] });
  });
});

describe('distinct window: N distinct values within W', () => {
  it('fires exactly when the window ending at the newest event holds N distinct values', () => {
    fc.assert(
      fc.property(stream, params, fc.integer({ min: 0, max: 4 }), (arrivals, p, extraCap) => {
        const windowMs = p.windowSeconds * 1000;
        const seen: Arrival[] = [];
        let state: DistinctState | undefined;
        for (const a of accepted(arrivals, p.latenessSeconds * 1000)) {
          seen.push(a);
          const newest = Math.max(...seen.map((s) => s.time));
          const oracle = new Set(seen.filter((s) => s.time > newest - windowMs).map((s) => s.value)).size >= p.threshold;
          let actual: boolean;
          if (state === undefined) {
            state = new DistinctState(a.value, a.time, 0);
            actual = p.threshold <= 1;
          } else {
            actual = addToDistinct(state, a.value, a.time, p.threshold, windowMs, p.threshold + extraCap) !== null;
          }
          expect(actual).toBe(oracle);
          expect(state.values.length).toBeLessThanOrEqual(p.threshold + extraCap);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names the values it saw, oldest first', () => {
    const state = new DistinctState('alice', 0, 0);
    addToDistinct(state, 'bob', 1000, 3, 60_000, 10);
    expect(addToDistinct(state, 'carol', 2000, 3, 60_000, 10)).toEqual({ count: 3, firstSeen: 0, lastSeen: 2000, samples: ['alice', 'bob', 'carol'] });
  });
});
