/**
 * "N distinct values within W", exactly, on event time.
 *
 * A key keeps each value with the last time it was seen, ordered by that time. The window is the W
 * ending at the key's newest event, (T - W, T]: a value is in it when its last time is after T - W,
 * because no time kept is after T. So a value whose last time falls out of that window can never
 * come back without being seen again, and is dropped. An out-of-order event counts when it falls in
 * the current window.
 *
 * The cap bounds the values kept per key. It is never below the threshold, so when the cap binds
 * every kept value is inside the window and the key has fired: evicting the oldest value cannot hide
 * an attack.
 */
import { dropFront, insertPair } from './arrays';
import type { WindowMatch } from './types';

const SAMPLE_LIMIT = 5;

/**
 * Adds a sighting of `value` at `time` to a key's `values` (ordered by their last `times`) and
 * reports the window it completes, or null.
 */
export function addToDistinct(
  values: string[],
  times: number[],
  value: string,
  time: number,
  threshold: number,
  windowMs: number,
  cap: number,
): WindowMatch | null {
  const newest = Math.max(time, times[times.length - 1] as number);

  const seen = values.indexOf(value);
  if (seen !== -1 && (times[seen] as number) < time) {
    values.splice(seen, 1);
    times.splice(seen, 1);
    insert(values, times, value, time);
  } else if (seen === -1 && time > newest - windowMs) {
    insert(values, times, value, time);
  }

  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= newest - windowMs) drop++;
  if (times.length - drop > cap) drop = times.length - cap;
  dropFront(values, times, drop);
  if (values.length < threshold) return null;
  return {
    count: values.length,
    firstSeen: times[0] as number,
    lastSeen: newest,
    samples: values.slice(0, SAMPLE_LIMIT),
  };
}

function insert(values: string[], times: number[], value: string, time: number): void {
  let at = times.length;
  while (at > 0 && (times[at - 1] as number) > time) at--;
  insertPair(values, times, at, value, time);
}
