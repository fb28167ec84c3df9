/**
 * Chooses the position a shard may checkpoint at (README, "What makes it correct": effectively-once responses).
 *
 * Replaying from a checkpoint S must rebuild the state the live run had, so S must satisfy two
 * things. (1) No window still open needs a record at or before S: every event up to S is older than
 * the watermark minus the longest window. (2) The records after S must be judged late or on time as
 * the live run judged them; lateness is measured against the watermark's clock (the largest event
 * time seen, capped by arrival: window/watermark.ts), so the record right after S must itself raise
 * that clock — then the replay's watermark starts where the live run's stood. The candidates are
 * therefore the positions just before a record that raised the clock; the newest candidate whose
 * events (at their own, uncapped times) are all past the open windows is offered.
 *
 * A candidate is kept only where the clock enters a new second (the record after it raised the clock
 * past a whole second), so at most once per second of event time, which bounds the list to the
 * seconds spanned by lateness plus the longest window. It also makes a replay begin where every
 * per-second count of the live run began afresh: the responses one application may be given per
 * second of the clock (processor.ts, `withinResponseRate`) are counted the same in both.
 */
import type { Position } from './types';

/** The part of a record that names its place in the shard. */
interface RecordPosition {
  sequenceNumber: string;
  subSequenceNumber?: number;
}

interface Candidate {
  position: Position;
  /** Largest event time among the records up to and including `position`. */
  maxBefore: number;
}

const GRANULARITY_MS = 1000;

export class CheckpointPlanner {
  private readonly candidates: Candidate[] = [];
  private previous: RecordPosition | null = null;
  private offered: Position | null = null;

  /**
   * Called for every record, in order. `clockBefore` and `clockAfter` are the watermark's clock
   * before and after the record; `maxBefore` is the largest event time of the records before it.
   */
  observe(record: RecordPosition, clockBefore: number, clockAfter: number, maxBefore: number): void {
    const previous = this.previous;
    if (previous !== null && Math.floor(clockAfter / GRANULARITY_MS) > Math.floor(clockBefore / GRANULARITY_MS)) {
      const position = { sequenceNumber: previous.sequenceNumber, subSequenceNumber: previous.subSequenceNumber ?? 0 };
      this.candidates.push({ position, maxBefore });
    }
    // Kept by reference: building a Position for every record would allocate on the hot path.
    this.previous = record;
  }

  /**
   * The newest candidate all of whose events are older than `horizon` (the watermark minus the
   * longest window), if it is newer than what was offered before.
   */
  offer(horizon: number): Position | null {
    let chosen = -1;
    for (let i = 0; i < this.candidates.length; i++) {
      if ((this.candidates[i] as Candidate).maxBefore < horizon) chosen = i;
      else break;
    }
    if (chosen < 0) return null;
    const position = (this.candidates[chosen] as Candidate).position;
    this.candidates.splice(0, chosen + 1);
    this.offered = position;
    return position;
  }

  get lastOffered(): Position | null {
    return this.offered;
  }
}
