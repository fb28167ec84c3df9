/**
 * One queue of writes of the shard pipeline (shard-pipeline.ts): an application's responses, or the
 * shard's dead letters. A lane writes its oldest items first, one write call at a time, each call
 * retried until it lands; what it holds is tagged with the number of the batch it came from, so that
 * the pipeline knows the oldest batch whose output is not yet durable.
 *
 * Lanes are independent: one application's writes that crawl (thousands of responses a second) or
 * stall (retried) do not hold up another's.
 */

/** Items of one batch (or part of one), in a lane. */
interface Chunk<T> {
  /** The batch the items came from. */
  batch: number;
  items: T[];
  /** Newest arrival time in Kinesis (ms) among the application's records of the batch, or -Infinity. */
  newestArrival: number;
}

export interface LaneHooks<T> {
  /** Retried until it lands, or rejects for good (abort, or a failure no retry mends). */
  write(items: readonly T[]): Promise<void>;
  /** Told after each write lands, with the newest arrival among the records whose output it made durable. */
  landed(newestArrival: number): void;
  /** Told when the lane cannot go on: the error is the pipeline's from then on. */
  failed(error: unknown): void;
}

export class WriteLane<T> {
  private readonly chunks: Chunk<T>[] = [];
  private writing = false;
  private stopped = false;
  /** Items queued or being written. */
  pending = 0;

  constructor(
    private readonly hooks: LaneHooks<T>,
    /** Items per write call at most. */
    private readonly maxPerWrite: number,
  ) {}

  /** The oldest batch with an item not yet written; Infinity when none. */
  get oldestBatch(): number {
    return this.chunks[0]?.batch ?? Infinity;
  }

  /** Queues `items` of batch `batch` and starts writing if the lane was idle. */
  add(batch: number, items: readonly T[], newestArrival: number): void {
    for (let i = 0; i < items.length; i += this.maxPerWrite) {
      this.chunks.push({ batch, items: items.slice(i, i + this.maxPerWrite), newestArrival });
    }
    this.pending += items.length;
    if (!this.writing && !this.stopped) void this.drain();
  }

  /**
   * Records of batch `batch` produced nothing for this lane; if the lane holds older items, the records
   * count as handled only once those land (the lag then says so).
   * Returns false when the lane is empty (the records are handled now).
   */
  follow(newestArrival: number): boolean {
    const tail = this.chunks.at(-1);
    if (tail === undefined) return false;
    if (newestArrival > tail.newestArrival) tail.newestArrival = newestArrival;
    return true;
  }

  /** No more writes start; what is queued stays unwritten (and so is never checkpointed past). */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.chunks.length > 0 && !this.stopped) {
        // Several batches' chunks in one call when they are small: fewer generation bumps, more puts in flight.
        let count = 0;
        let taken = 0;
        while (taken < this.chunks.length && (taken === 0 || count + (this.chunks[taken] as Chunk<T>).items.length <= this.maxPerWrite)) {
          count += (this.chunks[taken] as Chunk<T>).items.length;
          taken++;
        }
        const batch = this.chunks.slice(0, taken);
        const items = taken === 1 ? (batch[0] as Chunk<T>).items : batch.flatMap((c) => c.items);
        try {
          await this.hooks.write(items);
        } catch (error) {
          this.stopped = true;
          this.hooks.failed(error);
          return;
        }
        // Read after the write: `follow` may have raised the newest arrival of a chunk in flight.
        let newestArrival = -Infinity;
        for (const c of batch) if (c.newestArrival > newestArrival) newestArrival = c.newestArrival;
        this.chunks.splice(0, taken);
        this.pending -= count;
        this.hooks.landed(newestArrival);
      }
    } finally {
      this.writing = false;
    }
  }
}
