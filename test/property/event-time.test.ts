import fc from 'fast-check';
import { parseEventTime } from '../../src/events/time';

/** The same rules, written the slow and obvious way. */
function reference(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (m === null) return NaN;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const millis = Number(((m[7] ?? '') + '000').slice(0, 3));
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, se, millis));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return NaN;
  let offset = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return NaN;
    offset = (oh * 60 + om) * 60_000 * (m[9] === '+' ? 1 : -1);
  }
  const t = probe.getTime() - offset;
  return t >= Date.UTC(2000, 0, 1) && t < Date.UTC(2100, 0, 1) ? t : NaN;
}

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const timestamp = fc
  .tuple(
    fc.integer({ min: 1995, max: 2105 }).map(String),
    two(13),
    two(32),
    two(25),
    two(61),
    two(61),
    fc.option(fc.stringMatching(/^\d{0,11}$/)),
    fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), two(25), two(61)).map(([s, h, m]) => `${s}${h}:${m}`), fc.constantFrom('', 'z', '+0100', 'Z ')),
  )
  .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? '' : `.${frac}`}${zone}`);

describe('parseEventTime', () => {
  it('agrees with the obvious implementation on timestamps, valid or not', () => {
    fc.assert(
      fc.property(timestamp, (s) => {
        expect(parseEventTime(s)).toBe(reference(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the obvious implementation on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => expect(parseEventTime(s)).toBe(reference(s))), { numRuns: 5000 });
  });

  it.each([
    ['2026-11-28T12:00:00.123Z', Date.UTC(2026, 10, 28, 12, 0, 0, 123)],
    ['2026-11-28T12:00:00Z', Date.UTC(2026, 10, 28, 12)],
    ['2026-11-28T13:30:00+01:30', Date.UTC(2026, 10, 28, 12)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2026-11-28T12:00:00.123456789Z', Date.UTC(2026, 10, 28, 12, 0, 0, 123)],
  ])('reads %s', (s, expected) => expect(parseEventTime(s)).toBe(expected));

  it.each(['2026-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-28T24:00:00Z', '2026-11-28T12:00:60Z', '2026-11-28T12:00:00', '2026-11-28 12:00:00Z', '1999-12-31T23:59:59Z', '2026-11-28T12:00:00.Z', '2026-11-28T12:00:00.1234567890Z'])(
    'refuses %s',
    (s) => expect(parseEventTime(s)).toBeNaN(),
  );
});
