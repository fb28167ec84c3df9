/**
 * One shard's way from records to a checkpoint, shared by the KCL child and the local driver:
 * the engine decides, the responses and dead letters are made durable, and only then is the
 * engine's offered position handed back as safe to checkpoint (README, "What makes it
 * correct": effectively-once responses).
 *
 * Writes go through lanes (write-lane.ts): one per application for its responses, one for the dead
 * letters. The engine goes on with the next batch while they are written, so an application whose
 * responses are slow to write (a flood making thousands a second) delays only its own lane, not
 * another application's bans. A checkpoint offered with batch n is safe once every lane has written
 * all it holds of batches up to n: it never passes the oldest unwritten response or dead letter of
 * any application. Memory is bounded: when more responses wait than `WriteLimits` allow, in one lane
 * or in all, `process` waits for the lanes (back-pressure) instead of taking the next batch.
 *
 * A write that fails is retried with backoff until it lands, for as long as it takes: the shard
 * slows down, it never checkpoints past a response that is not written. The abort signal (the
 * daemon went away, a hard stop) and `close` end the retries, and then nothing more is checkpointed;
 * so does a failure that no retry can mend (shared/retry.ts: a validation error, say — a bug), which
 * the next `process` or `drain` then rejects with.
 */
import { abortError } from '../core/abort';
import type { DeadLetter, Logger } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import { ShardProcessor } from '../engine/processor';
import type { Position, ShardRecord } from '../engine/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../shared/backoff';
import { backoffPolicy, logRetries, retrying } from '../shared/retry';
import type { DriverDependencies } from './dependencies';
import { WriteLane } from './write-lane';

/** How much output may wait to be written before `process` waits for it. */
export interface WriteLimits {
  /** Responses of one application queued or being written; beyond it the shard waits. */
  maxPendingPerApp: number;
  /** Responses and dead letters queued or being written in all lanes; beyond it the shard waits. */
  maxPendingTotal: number;
  /** Items handed to one write call at most (the store's puts in flight, one generation bump per call). */
  maxPerWrite: number;
}

/**
 * ~1.5 KB a response in memory: 10,000 waiting hold ~15 MB per shard. A lane of 2,000 is a few
 * seconds of the writes the embedded store lands under a flood (README, "One application flooding").
 */
export const WRITE_LIMITS_DEFAULTS: WriteLimits = { maxPendingPerApp: 2_000, maxPendingTotal: 10_000, maxPerWrite: 500 };

export class ShardPipeline {
  readonly processor: ShardProcessor;
  private readonly logger: Logger;
  private readonly limits: WriteLimits;
  private safePosition: Position | null = null;
  private readonly responseLanes = new Map<string, WriteLane<SecurityResponse>>();
  private readonly letterLane: WriteLane<DeadLetter>;
  /** Positions offered by the engine, with their batch, not yet safe: oldest first. */
  private readonly offered: { batch: number; position: Position }[] = [];
  private batches = 0;
  /** Why the pipeline cannot go on (a write that failed for good, an abort, `close`), once it cannot. */
  private failure: { error: unknown } | undefined;
  /** Ends the lanes' retries on `close`, beside the driver's signal. */
  private readonly closing = new AbortController();
  private signal: AbortSignal = this.closing.signal;
  /** The driver's signal the lanes' retries follow. */
  private watched: AbortSignal | undefined;
  /** Waiting for the lanes to move (back-pressure, drain): woken at every landed write or failure. */
  private waiters: (() => void)[] = [];

  constructor(
    readonly shardId: string,
    private readonly deps: DriverDependencies,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    limits: Partial<WriteLimits> = {},
  ) {
    this.logger = deps.logger;
    this.limits = { ...WRITE_LIMITS_DEFAULTS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`write limits: ${name} is ${value}; expected a whole number >= 1`);
    }
    // The history is handed in unwrapped: the engine's ledger retries a read for a while and then
    // starts the application without it (ledger.ts, load), which a retry here, forever, would undo.
    this.processor = new ShardProcessor({ ...deps.processor, shardId, config: deps.config, history: deps.history, logger: deps.logger });
    this.letterLane = new WriteLane<DeadLetter>(
      {
        write: (letters) => this.untilDone('write dead letters', () => this.deps.deadLetters.write(letters)),
        landed: () => this.moved(),
        failed: (error) => this.fail(error),
      },
      this.limits.maxPerWrite,
    );
  }

  /**
   * The newest position whose responses and dead letters, and those of every earlier record, are
   * durable, and which replays to the same windows: what may be checkpointed now.
   */
  get safe(): Position | null {
    return this.safePosition;
  }

  /** Responses and dead letters queued or being written, per application (dead letters under no application). */
  get pending(): { total: number; byApp: ReadonlyMap<string, number> } {
    const byApp = new Map<string, number>();
    for (const [appId, lane] of this.responseLanes) byApp.set(appId, lane.pending);
    return { total: this.pendingTotal(), byApp };
  }

  /**
   * Runs one batch through the engine and hands its output to the lanes. `rejected` are dead letters
   * the driver found before the engine (records that could not even be unpacked). `signal` is the
   * driver's: it ends the lanes' retries too. Resolves with `safe` once the output waiting to be
   * written is within the limits; rejects when `signal` aborts or a lane failed for good, and then
   * nothing more may be checkpointed (nor may the processor be used again: its windows may hold part
   * of the batch).
   */
  async process(records: readonly ShardRecord[], rejected: readonly DeadLetter[] = [], signal?: AbortSignal): Promise<Position | null> {
    this.watch(signal);
    this.throwIfStopped();
    const outcome = await this.processor.processBatch(records, signal);
    this.throwIfStopped();
    const batch = ++this.batches;
    const letters = rejected.length === 0 ? outcome.deadLetters : [...rejected, ...outcome.deadLetters];
    if (letters.length > 0) this.letterLane.add(batch, letters, -Infinity);
    this.enqueueResponses(batch, outcome.responses);
    if (outcome.checkpoint !== null) this.offered.push({ batch, position: outcome.checkpoint });
    this.moved();
    await this.until(() => this.withinLimits(), signal);
    return this.safePosition;
  }

  /** Waits until everything handed to the lanes is written; resolves with `safe` (graceful stop, end of shard). */
  async drain(signal?: AbortSignal): Promise<Position | null> {
    this.watch(signal);
    await this.until(() => this.pendingTotal() === 0, signal);
    return this.safePosition;
  }

  /** Drops the shard's windows and stops its lanes (what they hold stays unwritten): its lease moved, or the driver stopped. */
  close(): void {
    this.closing.abort(new Error(`the pipeline of shard ${this.shardId} was closed`));
    for (const lane of this.responseLanes.values()) lane.stop();
    this.letterLane.stop();
    this.processor.close();
  }

  /**
   * Each application's responses to its lane. The applications of the batch without responses are
   * handled now (their lag), unless their lane still holds older responses: then when those land.
   */
  private enqueueResponses(batch: number, responses: readonly SecurityResponse[]): void {
    const byApp = new Map<string, SecurityResponse[]>();
    for (const response of responses) {
      const list = byApp.get(response.appId);
      if (list === undefined) byApp.set(response.appId, [response]);
      else list.push(response);
    }
    const now = Date.now();
    for (const { appId, stats, newestArrival } of this.processor.stats.takeBatchArrivals()) {
      const mine = byApp.get(appId);
      if (mine !== undefined) {
        byApp.delete(appId);
        this.laneOf(appId).add(batch, mine, newestArrival);
      } else if (this.responseLanes.get(appId)?.follow(newestArrival) !== true) {
        stats.handled(newestArrival, now);
      }
    }
    // Responses of applications whose records carried no arrival time (records made by hand).
    for (const [appId, mine] of byApp) this.laneOf(appId).add(batch, mine, -Infinity);
  }

  private laneOf(appId: string): WriteLane<SecurityResponse> {
    let lane = this.responseLanes.get(appId);
    if (lane === undefined) {
      const stats = this.processor.stats.app(appId);
      lane = new WriteLane<SecurityResponse>(
        {
          write: (responses) => this.untilDone('write responses', () => this.deps.sink.write(responses), appId),
          landed: (newestArrival) => {
            if (newestArrival !== -Infinity) stats.handled(newestArrival, Date.now());
            this.moved();
          },
          failed: (error) => this.fail(error),
        },
        this.limits.maxPerWrite,
      );
      this.responseLanes.set(appId, lane);
    }
    return lane;
  }

  /** A write landed (or a batch was handed over): the safe position may move, and waiters may go on. */
  private moved(): void {
    let oldest = this.letterLane.oldestBatch;
    for (const lane of this.responseLanes.values()) oldest = Math.min(oldest, lane.oldestBatch);
    let newest = -1;
    while (newest + 1 < this.offered.length && (this.offered[newest + 1] as { batch: number }).batch < oldest) newest++;
    if (newest >= 0) {
      this.safePosition = (this.offered[newest] as { position: Position }).position;
      this.offered.splice(0, newest + 1);
    }
    this.wake();
  }

  private pendingTotal(): number {
    let total = this.letterLane.pending;
    for (const lane of this.responseLanes.values()) total += lane.pending;
    return total;
  }

  private withinLimits(): boolean {
    if (this.letterLane.pending > this.limits.maxPendingTotal) return false;
    let total = this.letterLane.pending;
    for (const lane of this.responseLanes.values()) {
      if (lane.pending > this.limits.maxPendingPerApp) return false;
      total += lane.pending;
    }
    return total <= this.limits.maxPendingTotal;
  }

  /** Resolves once `ready()` holds; rejects when the pipeline failed or `signal` aborts first. */
  private async until(ready: () => boolean, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      this.throwIfStopped();
      if (signal?.aborted === true) throw abortError(signal);
      if (ready()) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const lane of this.responseLanes.values()) lane.stop();
    this.letterLane.stop();
    this.wake();
  }

  /**
   * Rejects with what stopped the pipeline, if anything did: for a driver to learn of a write that
   * failed for good while no batch comes (the next `process` would say so too).
   */
  throwIfStopped(): void {
    if (this.failure !== undefined) throw this.failure.error;
    if (this.closing.signal.aborted) throw abortError(this.closing.signal);
  }

  /** The lanes' retries end with the driver's signal as well as with `close`. */
  private watch(signal: AbortSignal | undefined): void {
    if (signal === undefined || signal === this.watched) return;
    this.watched = signal;
    this.signal = AbortSignal.any([this.closing.signal, signal]);
  }

  private untilDone(what: string, attempt: () => Promise<void>, appId?: string): Promise<void> {
    const context = appId === undefined ? { shardId: this.shardId } : { shardId: this.shardId, appId };
    const onRetry = logRetries(this.logger, context, `could not ${what}; retrying, and not checkpointing until it succeeds`);
    return retrying(attempt, backoffPolicy(this.backoff), { signal: this.signal, onRetry });
  }
}
