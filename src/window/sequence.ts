/**
 * "These steps, in this order, within W", exactly, on event time: N login failures then a success
 * (a brute force that worked), a password reset then an email change then a payout…
 *
 * A sequence of steps s1..sk, step j needing c_j events, is a choice of distinct events of one key
 * where step j's events all come strictly after step j-1's (events of one step may share a time), and
 * the first and last are less than W apart. An event that matches several steps can fill any one of
 * them. The primitive reports, for each new event, whether it takes part in a complete sequence — so
 * a late report that completes one is found just like the event that ends one in order.
 *
 * State per key, in two parts:
 * - pending: the times and step masks of recent events, in time order. Reports arrive out of order,
 *   so an event can still land among them.
 * - sealed: a summary of the events older than the shard watermark. No event arriving from now on
 *   can be older than those, so every sequence a new event takes part in is some prefix among the
 *   sealed events (p events, p < total) followed by pending and new events. For each p only the
 *   prefix that starts latest matters (a later start only helps the span), so the summary is one
 *   time per p: the latest start of a p-event prefix. Folding pending events into it is exact.
 *
 * Speed: most reports arrive in order, and an event later than every other one can only end a
 * sequence. So each key also keeps its frontier — the same per-p latest starts, over sealed and
 * pending events alike — and an in-order event costs one step from it: no walk over pending. An
 * event that lands among pending ones (or ties the newest) walks them, and the frontier is rebuilt
 * at the next in-order event. Pending events are folded in batches, once older than the watermark.
 *
 * Memory: the summary and the frontier are `total` numbers each. Pending holds at most `cap`
 * events: a key sending more within the allowed lateness has its oldest pending events folded early,
 * and from then on its reports older than those are refused (counted in `shape.refused`); below the
 * cap the primitive is exact for any order of arrival.
 */
import { insertPair } from './arrays';
import type { WindowMatch } from './types';

/** Pending events kept per key before the oldest are folded early. */
const SEQUENCE_CAP = 1024;
/** Pending events are folded, when older than the watermark, once a key holds this many. */
const SEQUENCE_FOLD_AT = 16;
/** At most this many steps, so a step mask fits a small integer. */
export const MAX_SEQUENCE_STEPS = 8;
/** Events in one complete sequence (the sum of the steps' thresholds), at most. */
export const MAX_SEQUENCE_EVENTS = 100;

/** The compiled form of one sequence signal, shared by all its keys. */
export class SequenceShape {
  /** Events in a complete sequence. */
  readonly total: number;
  /** stepOf[p]: the step the p-th event of a sequence belongs to (p from 1). */
  readonly stepOf: Int32Array;
  /** stepEnd[j]: the position that completes step j. */
  readonly stepEnd: Int32Array;
  readonly lastStepBit: number;
  /** Reports refused because they were older than their key's early-folded events. */
  refused = 0;
  /** Scratch space for one fold or query at a time (everything here is synchronous). */
  private readonly avail: Int32Array;
  private readonly buffers: Float64Array[];

  constructor(
    readonly counts: readonly number[],
    readonly windowMs: number,
    readonly cap: number = SEQUENCE_CAP,
    readonly foldAt: number = SEQUENCE_FOLD_AT,
  ) {
    if (counts.length < 2 || counts.length > MAX_SEQUENCE_STEPS) throw new RangeError(`a sequence has 2 to ${MAX_SEQUENCE_STEPS} steps`);
    this.total = counts.reduce((a, b) => a + b, 0);
    this.stepOf = new Int32Array(this.total + 1);
    this.stepEnd = new Int32Array(counts.length);
    let p = 0;
    counts.forEach((c, j) => {
      if (!Number.isInteger(c) || c < 1) throw new RangeError('each step needs at least one event');
      for (let i = 0; i < c; i++) this.stepOf[++p] = j;
      this.stepEnd[j] = p;
    });
    this.lastStepBit = 1 << (counts.length - 1);
    this.avail = new Int32Array(counts.length);
    this.buffers = Array.from({ length: 4 }, () => new Float64Array(this.total + 1));
  }

  /** Counts, per step, the events of pending[from, to) that match it. */
  countSteps(masks: readonly number[], from: number, to: number): Int32Array {
    const avail = this.avail;
    avail.fill(0);
    for (let i = from; i < to; i++) {
      const mask = masks[i] as number;
      for (let j = 0; j < avail.length; j++) if ((mask >> j) & 1) (avail[j] as number)++;
    }
    return avail;
  }

  buffer(i: number): Float64Array {
    return this.buffers[i] as Float64Array;
  }
}

export class SequenceState {
  /**
   * sealed[p], 1 <= p < total: the latest start of a p-event prefix among sealed events, or
   * -Infinity. A plain array: V8 allocates a small array of doubles much faster than a typed one.
   */
  readonly sealed: number[];
  /** Every sealed event is at or before this time; pending events are after it. */
  sealedThrough = -Infinity;
  /** Pending event times, ascending, and the steps each matches (bit j = step j). */
  readonly times: number[] = [];
  readonly masks: number[] = [];
  /**
   * frontier[p]: the latest start of a p-event prefix among all events, sealed and pending; null
   * after an out-of-order event, until the next in-order one rebuilds it.
   */
  frontier: number[] | null;
  /** Insertion or last-move time, in seconds; see KeyedWindows. */
  stamp: number;

  constructor(shape: SequenceShape, stamp: number) {
    this.sealed = new Array<number>(shape.total).fill(-Infinity);
    this.frontier = new Array<number>(shape.total).fill(-Infinity);
    this.stamp = stamp;
  }

  newest(): number {
    const n = this.times.length;
    return n === 0 ? this.sealedThrough : Math.max(this.times[n - 1] as number, this.sealedThrough);
  }
}

/**
 * Adds an event at `time` matching the steps in `mask` (bit j = step j, at least one bit), and
 * reports the sequence it takes part in, or null. `sealBefore` is the shard watermark: no event
 * older than it can arrive any more.
 */
export function addToSequence(state: SequenceState, shape: SequenceShape, time: number, mask: number, sealBefore: number): WindowMatch | null {
  if (time <= state.sealedThrough) {
    shape.refused++;
    return null;
  }
  const { times, masks } = state;
  if (times.length >= shape.foldAt) {
    let old = 0;
    while (old < times.length && (times[old] as number) < sealBefore) old++;
    if (old > 0) fold(state, shape, old);
  }

  let match: WindowMatch | null;
  const n = times.length;
  if (n === 0 || time > (times[n - 1] as number)) {
    // In order: the event can only end a sequence, one step from the frontier.
    const frontier = state.frontier ?? rebuildFrontier(state, shape);
    match = endsSequence(frontier, shape, time, mask);
    advance(frontier, shape, time, mask);
    state.frontier = frontier;
    times.push(time);
    masks.push(mask);
  } else {
    state.frontier = null;
    let at = n;
    while (at > 0 && (times[at - 1] as number) > time) at--;
    insertPair(times, masks, at, time, mask);
    match = canComplete(state, shape, at) ? completes(state, shape, at) : null;
  }

  if (times.length > shape.cap) {
    let end = times.length - shape.cap;
    while (end < times.length && times[end] === times[end - 1]) end++;
    fold(state, shape, end);
  }
  return match;
}

/** A new event at `time`, later than all others: the sequence it completes as its last event, if any. */
function endsSequence(frontier: readonly number[], shape: SequenceShape, time: number, mask: number): WindowMatch | null {
  const { total, stepOf, windowMs } = shape;
  if (!((mask >> (stepOf[total] as number)) & 1)) return null;
  const start = total === 1 ? time : (frontier[total - 1] as number);
  return start > time - windowMs ? { count: total, firstSeen: start, lastSeen: time, samples: [] } : null;
}

/** Extends the frontier with one event later than all others: each prefix may take it as its next event. */
function advance(frontier: number[], shape: SequenceShape, time: number, mask: number): void {
  const { total, stepOf } = shape;
  for (let p = total - 2; p >= 0; p--) {
    if (!((mask >> (stepOf[p + 1] as number)) & 1)) continue;
    const start = p === 0 ? time : (frontier[p] as number);
    if (start > (frontier[p + 1] as number)) frontier[p + 1] = start;
  }
}

/**
 * The frontier over sealed and pending events: the sealed summary extended by every pending event.
 * No window bound, since an in-order event may still be far later (`endsSequence` checks the span).
 */
function rebuildFrontier(state: SequenceState, shape: SequenceShape): number[] {
  const frontier = state.sealed.slice();
  extend(frontier, state, shape, state.times.length, Infinity);
  return frontier;
}

/** A sequence holding the event at `at` ends with a last-step event no earlier than it: is there one? */
function canComplete(state: SequenceState, shape: SequenceShape, at: number): boolean {
  const { times, masks } = state;
  const time = times[at] as number;
  for (let i = times.length - 1; i >= 0 && (times[i] as number) >= time; i--) {
    if ((masks[i] as number) & shape.lastStepBit) return true;
  }
  return false;
}

/** Folds pending[0, end) into the sealed summary. */
function fold(state: SequenceState, shape: SequenceShape, end: number): void {
  const { times, masks } = state;
  extend(state.sealed, state, shape, end, shape.windowMs);
  state.sealedThrough = Math.max(state.sealedThrough, times[end - 1] as number);
  dropFront(times, end);
  dropFront(masks, end);
}

/**
 * Extends `starts` (latest start per prefix length) in place with pending[0, end), a group of equal
 * times at a time: from each prefix the group may add events to the step that prefix is filling, but
 * cannot also start the next step, which must come strictly later. Prefixes that start `windowMs` or
 * more before a group can never complete and are not extended.
 */
function extend(starts: number[], state: SequenceState, shape: SequenceShape, end: number, windowMs: number): void {
  const { times, masks } = state;
  const { total, stepOf, stepEnd } = shape;
  const next = shape.buffer(0);
  let i = 0;
  while (i < end) {
    const t = times[i] as number;
    let g = i + 1;
    while (g < end && times[g] === t) g++;
    const avail = shape.countSteps(masks, i, g);
    for (let p = 0; p < total; p++) next[p] = starts[p] as number;
    for (let p = 0; p < total; p++) {
      const start = p === 0 ? t : (starts[p] as number);
      if (!(start > t - windowMs)) continue;
      const j = stepOf[p + 1] as number;
      raise(next, p, Math.min(avail[j] as number, (stepEnd[j] as number) - p, total - 1 - p), start);
    }
    for (let p = 1; p < total; p++) starts[p] = next[p] as number;
    i = g;
  }
}

/** `array.splice(0, n)` without allocating the array of removed items (this runs for most events). */
function dropFront(array: number[], n: number): void {
  const length = array.length - n;
  // A plain loop: copyWithin takes a generic, much slower path on JavaScript arrays.
  for (let i = 0; i < length; i++) array[i] = array[i + n] as number;
  array.length = length;
}

/**
 * Whether the pending event at `at` takes part in a complete sequence: the same group-by-group walk
 * as `extend`, from the sealed prefixes, tracking separately the prefixes that used that event. Only
 * prefixes that start less than W before it can matter.
 */
function completes(state: SequenceState, shape: SequenceShape, at: number): WindowMatch | null {
  const { times, masks, sealed } = state;
  const { total, stepOf, stepEnd, windowMs } = shape;
  const time = times[at] as number;
  const eventMask = masks[at] as number;
  const floor = time - windowMs;
  let without = shape.buffer(0); // prefixes that did not use the event
  let using = shape.buffer(1); // prefixes that did
  let nextWithout = shape.buffer(2);
  let nextUsing = shape.buffer(3);
  for (let p = 0; p <= total; p++) {
    using[p] = -Infinity;
    without[p] = p > 0 && p < total && (sealed[p] as number) > floor ? (sealed[p] as number) : -Infinity;
  }

  let i = 0;
  while (i < times.length && (times[i] as number) <= floor) i++;
  while (i < times.length) {
    const t = times[i] as number;
    let g = i + 1;
    while (g < times.length && times[g] === t) g++;
    const avail = shape.countSteps(masks, i, g);
    const eventHere = at >= i && at < g ? eventMask : 0;
    for (let p = 0; p <= total; p++) {
      nextWithout[p] = without[p] as number;
      nextUsing[p] = using[p] as number;
    }
    for (let p = 0; p < total; p++) {
      const j = stepOf[p + 1] as number;
      const room = (stepEnd[j] as number) - p;
      const withEvent = (eventHere >> j) & 1;
      const others = (avail[j] as number) - withEvent;
      const startWithout = p === 0 ? t : (without[p] as number);
      if (startWithout > t - windowMs) {
        raise(nextWithout, p, Math.min(others, room), startWithout);
        if (withEvent === 1) raise(nextUsing, p, Math.min(others + 1, room), startWithout);
      }
      const startUsing = using[p] as number;
      if (p > 0 && startUsing > t - windowMs) {
        raise(nextUsing, p, Math.min(others, room), startUsing);
      }
    }
    const start = nextUsing[total] as number;
    if (start > t - windowMs) return { count: total, firstSeen: start, lastSeen: t, samples: [] };
    nextWithout[total] = -Infinity;
    [without, nextWithout] = [nextWithout, without];
    [using, nextUsing] = [nextUsing, using];
    // From the event's group on, only prefixes that used it can still matter.
    if (t >= time && !hasLive(using, total, t - windowMs)) return null;
    i = g;
  }
  return null;
}

/** Prefix p extended by 1..r events of its step, starting at `start`. */
function raise(states: Float64Array, p: number, r: number, start: number): void {
  for (let q = p + 1; q <= p + r; q++) if ((states[q] as number) < start) states[q] = start;
}

function hasLive(states: Float64Array, total: number, floor: number): boolean {
  for (let p = 1; p < total; p++) if ((states[p] as number) > floor) return true;
  return false;
}
