/**
 * "N events within W", exactly, on event time, for any placement of the events.
 *
 * A key keeps the times of its recent events in ascending order (see slots.ts for where). Reports from many agents arrive a
 * little out of order, so a new time is inserted where it belongs (almost always at the end) and the
 * check looks at every run of N consecutive times that includes it: if one run spans less than W,
 * N events fell within W. A window is half-open, (t - W, t], so events exactly W apart are not in
 * the same window.
 *
 * Memory: times older than the horizon (the shard watermark minus W) can never share a window with
 * an event that is still accepted, so they are dropped. Until a key fires, no W-long stretch holds N
 * of its times, so the stretch from the horizon to the newest time cannot hold more than
 * `countCap(N, W, lateness)` of them; the cap only binds for a key that has already fired.
 *
 * Duplicates: Kinesis delivers some records twice, and a report counted twice could complete a window
 * on its own. Each time kept has the hash of its event's id beside it; a copy of a report carries the
 * same time and id, so it is recognised among the times equal to its own, and counted once. This is
 * the whole of duplicate detection for counts: no index of every id seen is needed.
 */
import { dropFront, insertPair } from './arrays';
import { DUPLICATE, type WindowMatch } from './types';

export function countCap(threshold: number, windowMs: number, latenessMs: number): number {
  return (threshold - 1) * (Math.ceil(latenessMs / windowMs) + 2) + 1;
}

/**
 * Adds `time` to a key's ascending `times` and reports the window it completes, null, or DUPLICATE.
 * `ids` holds the id hash of each time (0: the event had no id); `horizon` is the oldest time any
 * accepted event can still have, minus W; `cap` bounds the times kept.
 */
export function addToCount(
  times: number[],
  ids: number[],
  time: number,
  idHash: number,
  threshold: number,
  windowMs: number,
  horizon: number,
  cap: number,
): WindowMatch | null {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) < horizon) drop++;
  dropFront(times, ids, drop);

  let at = times.length;
  while (at > 0 && (times[at - 1] as number) > time) at--;
  if (idHash !== 0) {
    for (let j = at - 1; j >= 0 && times[j] === time; j--) if (ids[j] === idHash) return DUPLICATE;
  }
  insertPair(times, ids, at, time, idHash);
  if (times.length > cap) {
    times.shift();
    ids.shift();
    // The new time was the oldest of a key that has already fired: it changes nothing.
    if (at === 0) return null;
    at--;
  }
  if (threshold <= 1) return match(times, at, at, windowMs);

  const n = times.length;
  if (n < threshold) return null;
  const firstStart = Math.max(0, at - threshold + 1);
  const lastStart = Math.min(at, n - threshold);
  for (let start = firstStart; start <= lastStart; start++) {
    const end = start + threshold - 1;
    if ((times[end] as number) - (times[start] as number) < windowMs) return match(times, start, end, windowMs);
  }
  return null;
}

/** Describes the window ending at `times[end]`: how many events it holds and since when. */
function match(times: number[], start: number, end: number, windowMs: number): WindowMatch {
  const last = times[end] as number;
  let first = start;
  while (first > 0 && last - (times[first - 1] as number) < windowMs) first--;
  let through = end;
  while (through + 1 < times.length && times[through + 1] === last) through++;
  return { count: through - first + 1, firstSeen: times[first] as number, lastSeen: last, samples: [] };
}
