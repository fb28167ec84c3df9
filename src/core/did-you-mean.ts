/**
 * "Did you mean …?" for names people type (operators, keys, field paths): the closest allowed name
 * within a small edit distance, so a typo's error message points at the fix.
 */

/** Levenshtein distance, case-insensitive; stops early once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      if (value < best) best = value;
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/** The allowed name closest to `typed`, or undefined when none is close enough to be a typo of it. */
export function closest(typed: string, allowed: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const name of allowed) {
    const d = distance(typed, name, limit);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(typed: string, allowed: readonly string[]): string {
  const guess = closest(typed, allowed);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}
