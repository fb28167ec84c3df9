/**
 * The window primitives against brute-force oracles, on event streams that arrive out of order.
 * The oracle keeps every accepted event and recomputes from scratch; the primitives keep a few
 * numbers per key. They must make the same decision at every event.
 */
import fc from 'fast-check';
import { addToCount, countCap } from '../../src/window/count';
import { addToDistinct } from '../../src/window/distinct';
import { idHash } from '../../src/events/id-hash';
import { WindowBudget } from '../../src/window/keyed';
import { DUPLICATE } from '../../src/window/types';
import { CountTable, DistinctTable } from '../../src/window/slots';
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

/** What a table keeps for its only key (white-box, to check the memory bounds). */
function keptTimes(table: CountTable): number[] {
  const history = (table as unknown as { history: Map<number, { times: number[] }> }).history;
  return history.get(0)?.times ?? [0];
}

function keptValues(table: DistinctTable): string[] {
  const history = (table as unknown as { history: Map<number, { values: string[] }> }).history;
  return history.get(0)?.values ?? ['only'];
}

describe('count window: N events within W, any placement', () => {
  it('fires exactly when some W-long window holding the new event holds N events', () => {
    fc.assert(
      fc.property(stream, params, (arrivals, p) => {
        const windowMs = p.windowSeconds * 1000;
        const cap = countCap(p.threshold, windowMs, p.latenessSeconds * 1000);
        const seen: number[] = [];
        const table = new CountTable(new WindowBudget(Infinity));
        let fired = false;
        for (const a of accepted(arrivals, p.latenessSeconds * 1000)) {
          seen.push(a.time);
          // Oracle: a window (s - W, s] containing a.time and N events, for some s.
          const oracle = seen.some((end) => end >= a.time && end - a.time < windowMs && seen.filter((t) => t <= end && end - t < windowMs).length >= p.threshold);
          const actual = table.observe('key', a.time, 0, p.threshold, windowMs, a.oldestOnTime - windowMs, cap) !== null;
          // The cap never binds before a key fires: the times kept never exceed it.
          if (!fired) expect(keptTimes(table).length).toBeLessThanOrEqual(cap);
          // After a key has fired, the cap may drop its oldest times; until then it is exact.
          if (!fired) expect(actual).toBe(oracle);
          fired ||= oracle;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reports how many events the firing window holds', () => {
    const times = [0];
    const ids = [0];
    let match = null;
    for (const t of [1000, 2000, 3000, 3000]) match = addToCount(times, ids, t, 0, 5, 10_000, -Infinity, 100);
    expect(match).toEqual({ count: 5, firstSeen: 0, lastSeen: 3000, samples: [] });
  });
});

describe('count window: duplicates', () => {
  it('counts a report delivered twice once, however the copies interleave', () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 2, max: 6 }), fc.array(fc.nat(), { maxLength: 40 }), (arrivals, threshold, copies) => {
        const windowMs = 60_000;
        const reports = arrivals.map((a, i) => ({ time: a.time, id: idHash(`agent:${i}`) }));
        // Deliver some reports again, a little later in the stream.
        const delivered = [...reports];
        for (const c of copies) delivered.splice(Math.min(delivered.length, (c % reports.length) + 3), 0, reports[c % reports.length]!);
        const once = new CountTable(new WindowBudget(Infinity));
        const twice = new CountTable(new WindowBudget(Infinity));
        const fires = (table: CountTable, list: typeof reports) =>
          list.map((r) => table.observe('k', r.time, r.id, threshold, windowMs, -Infinity, 10_000)).filter((m) => m !== null && m !== DUPLICATE).length;
        expect(fires(twice, delivered) > 0).toBe(fires(once, reports) > 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('still counts distinct reports that share a time', () => {
    const table = new CountTable(new WindowBudget(Infinity));
    const results = [1, 2, 3].map((n) => table.observe('k', 1000, idHash(`agent:${n}`), 3, 60_000, -Infinity, 100));
    expect(results[2]).toMatchObject({ count: 3 });
  });
});

describe('distinct window: N distinct values within W', () => {
  it('fires exactly when the window ending at the newest event holds N distinct values', () => {
    fc.assert(
      fc.property(stream, params, fc.integer({ min: 0, max: 4 }), (arrivals, p, extraCap) => {
        const windowMs = p.windowSeconds * 1000;
        const seen: Arrival[] = [];
        const table = new DistinctTable(new WindowBudget(Infinity));
        for (const a of accepted(arrivals, p.latenessSeconds * 1000)) {
          seen.push(a);
          const newest = Math.max(...seen.map((s) => s.time));
          const oracle = new Set(seen.filter((s) => s.time > newest - windowMs).map((s) => s.value)).size >= p.threshold;
          const actual = table.observe('key', a.value, a.time, p.threshold, windowMs, p.threshold + extraCap) !== null;
          expect(actual).toBe(oracle);
          expect(keptValues(table).length).toBeLessThanOrEqual(p.threshold + extraCap);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names the values it saw, oldest first', () => {
    const values = ['alice'];
    const times = [0];
    addToDistinct(values, times, 'bob', 1000, 3, 60_000, 10);
    expect(addToDistinct(values, times, 'carol', 2000, 3, 60_000, 10)).toEqual({ count: 3, firstSeen: 0, lastSeen: 2000, samples: ['alice', 'bob', 'carol'] });
  });
});
