/**
 * The per-shard watermark: how far event time has progressed on this shard, minus the lateness we
 * allow for agents that batch their reports. Windows, expiry and checkpoints all run on it, never on
 * the clock, so a replay makes the same decisions as the live run.
 */

export type Timeliness = 'on-time' | 'late' | 'future';

export class Watermark {
  /** Largest event time (ms) accepted on this shard. */
  maxEventTime = -Infinity;

  constructor(
    readonly latenessMs: number,
    readonly futureToleranceMs: number,
  ) {}

  /** Events older than this are late. */
  get value(): number {
    return this.maxEventTime - this.latenessMs;
  }

  /**
   * Classifies an event and, when it is on time, advances the watermark. `arrivalTime` is when
   * Kinesis received the record (set by Kinesis, so it replays identically): an event time further
   * ahead of it than the tolerance comes from a broken clock and would drag the watermark forward,
   * making every honest agent's reports late. Without an arrival time (a file replay) there is
   * nothing trustworthy to compare with, and only lateness is checked.
   */
  classify(time: number, arrivalTime: number | undefined): Timeliness {
    if (arrivalTime !== undefined && time > arrivalTime + this.futureToleranceMs) return 'future';
    if (time < this.maxEventTime - this.latenessMs) return 'late';
    if (time > this.maxEventTime) this.maxEventTime = time;
    return 'on-time';
  }
}
