/**
 * Durations as people write them: `30s`, `10m`, `1h`, `1h30m`, `2d`, or a plain number of seconds.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = { d: 86400, h: 3600, m: 60, s: 1 };
export const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export const DURATION_HINT = 'write a number of seconds or 30s, 10m, 1h, 1h30m, 2d';

/** Seconds, or what is wrong with `value`. */
export function parseDuration(value: unknown): number | string {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : `${value} is not a whole number of seconds; ${DURATION_HINT}`;
  }
  if (typeof value !== 'string') return `${JSON.stringify(value) ?? 'nothing'} is not a duration; ${DURATION_HINT}`;
  const text = value.trim();
  const parts = DURATION.exec(text);
  if (text === '' || parts === null) return `"${value}" is not a duration; ${DURATION_HINT}`;
  const [, d = '0', h = '0', m = '0', s = '0'] = parts;
  return Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** `90` → `1m30s`: how a duration reads back in messages. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let text = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}
