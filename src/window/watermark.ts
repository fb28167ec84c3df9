/**
 * The per-shard watermark: how far event time has progressed on this shard, minus the lateness we
 * allow for agents that batch their reports. Windows, expiry and checkpoints all run on it, never on
 * the clock, so a replay makes the same decisions as the live run.
 *
 * Many applications share a shard, and any one of them could otherwise move the watermark for all:
 * an application whose events claim to be 250 s ahead (within the future tolerance) would make every
 * other application's events late, and so blind its detection. So an event moves the watermark only
 * as far as the time its record reached Kinesis — a time Kinesis sets, which no tenant can forge and
 * which replays identically. An honest event happened before it was sent (its time is before its
 * arrival), so for honest agents nothing changes: the watermark is the newest event time, and a
 * backfill of old events (all before their arrival) is judged by its own times as before. An event
 * ahead of its arrival still counts in its windows at its own time; it only cannot pull the others'
 * lateness forward past the arrival clock.
 */

export type Timeliness = 'on-time' | 'late' | 'future';

export class Watermark {
  /**
   * What lateness is measured from: the largest, over accepted events, of the event time capped by
   * the record's arrival time (ms). No application can move it past the arrival clock.
   */
  clock = -Infinity;
  /** Largest event time (ms) accepted on this shard, uncapped: the newest time a window holds. */
  maxEventTime = -Infinity;

  constructor(
    readonly latenessMs: number,
    readonly futureToleranceMs: number,
  ) {}

  /** Events older than this are late. */
  get value(): number {
    return this.clock - this.latenessMs;
  }

  /**
   * Classifies an event and, when it is on time, advances the watermark. `arrivalTime` is when
   * Kinesis received the record (set by Kinesis, so it replays identically): an event time further
   * ahead of it than the tolerance comes from a broken clock and is refused. Without an arrival time
   * (a file replay) there is nothing trustworthy to compare with: only lateness is checked, and the
   * event time moves the watermark uncapped.
   */
  classify(time: number, arrivalTime: number | undefined): Timeliness {
    if (arrivalTime !== undefined && time > arrivalTime + this.futureToleranceMs) return 'future';
    if (time < this.clock - this.latenessMs) return 'late';
    if (time > this.maxEventTime) this.maxEventTime = time;
    const capped = arrivalTime !== undefined && arrivalTime < time ? arrivalTime : time;
    if (capped > this.clock) this.clock = capped;
    return 'on-time';
  }
}
