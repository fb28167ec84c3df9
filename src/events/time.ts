/**
 * Event timestamps: RFC 3339, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, strictly — a day that
 * does not exist (February 30) is an error, not the 2nd of March, as `Date.parse` would have it.
 * Read character by character: this runs on every record, and a regular expression followed by
 * `Date.parse` costs several times as much.
 */

/** Event times outside these bounds are typos or broken clocks, not events worth a window. */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
export const MAX_EVENT_TIME = Date.UTC(2100, 0, 1);

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number of 1 to 4 decimal digits at `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Epoch milliseconds of an RFC 3339 timestamp between 2000 and 2100, or NaN. */
export function parseEventTime(s: string): number {
  const length = s.length;
  if (length < 20 || length > 35) return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN; // - - T : :
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) return NaN;

  let at = 19;
  let millis = 0;
  if (s.charCodeAt(at) === 46) {
    // A fraction of 1 to 9 digits; milliseconds are its first three.
    const start = ++at;
    while (at < length && at - start < 10) {
      const c = s.charCodeAt(at) - 48;
      if (c < 0 || c > 9) break;
      if (at - start < 3) millis += c * (at === start ? 100 : at === start + 1 ? 10 : 1);
      at++;
    }
    if (at === start || at - start > 9) return NaN;
  }

  let offset = 0;
  const zone = s.charCodeAt(at);
  if (zone === 90 && at + 1 === length) {
    // Z
  } else if ((zone === 43 || zone === 45) && at + 6 === length && s.charCodeAt(at + 3) === 58) {
    const hours = digits(s, at + 1, 2);
    const minutes = digits(s, at + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return NaN;
    offset = (hours * 60 + minutes) * 60_000 * (zone === 43 ? 1 : -1);
  } else {
    return NaN;
  }
  const time = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
  return time >= MIN_EVENT_TIME && time < MAX_EVENT_TIME ? time : NaN;
}
