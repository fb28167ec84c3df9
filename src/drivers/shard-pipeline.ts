/**
 * One shard's way from records to a checkpoint, shared by the KCL child and the local driver:
 * the engine decides, the responses and dead letters are made durable, and only then is the
 * engine's offered position handed back as safe to checkpoint (README, "What makes it
 * correct": effectively-once responses).
 *
 * A write that fails is retried with backoff until it lands, for as long as it takes: the shard
 * slows down, it never checkpoints past a response that is not written. The abort signal (the
 * daemon went away, a hard stop) ends the retries, and then nothing is checkpointed; so does a
 * failure that no retry can mend (shared/retry.ts: a validation error, say — a bug), which the
 * batch then rejects with.
 */
import type { DeadLetter, Logger } from '../core/ports';
import { ShardProcessor } from '../engine/processor';
import type { BatchOutcome, Position, ShardRecord } from '../engine/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../shared/backoff';
import { backoffPolicy, logRetries, retrying } from '../shared/retry';
import type { DriverDependencies } from './dependencies';

export class ShardPipeline {
  readonly processor: ShardProcessor;
  private readonly logger: Logger;
  private safePosition: Position | null = null;

  constructor(
    readonly shardId: string,
    private readonly deps: DriverDependencies,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.logger = deps.logger;
    // The history is handed in unwrapped: the engine's ledger retries a read for a while and then
    // starts the application without it (ledger.ts, load), which a retry here, forever, would undo.
    this.processor = new ShardProcessor({ ...deps.processor, shardId, config: deps.config, history: deps.history, logger: deps.logger });
  }

  /**
   * The newest position whose responses and dead letters, and those of every earlier record, are
   * durable, and which replays to the same windows: what may be checkpointed now.
   */
  get safe(): Position | null {
    return this.safePosition;
  }

  /**
   * Runs one batch through the engine and makes its output durable. `rejected` are dead letters the
   * driver found before the engine (records that could not even be unpacked). Resolves with `safe`;
   * rejects when `signal` aborts, and then nothing of the batch may be checkpointed (nor
   * may the processor be used again: its windows may hold part of the batch).
   */
  async process(records: readonly ShardRecord[], rejected: readonly DeadLetter[] = [], signal?: AbortSignal): Promise<Position | null> {
    const outcome = await this.processor.processBatch(records, signal);
    await this.persist(outcome, rejected, signal);
    this.processor.stats.batchDurable(Date.now());
    if (outcome.checkpoint !== null) this.safePosition = outcome.checkpoint;
    return this.safePosition;
  }

  /** Drops the shard's windows: its lease moved, or the driver stopped. */
  close(): void {
    this.processor.close();
  }

  private async persist(outcome: BatchOutcome, rejected: readonly DeadLetter[], signal: AbortSignal | undefined): Promise<void> {
    const letters = rejected.length === 0 ? outcome.deadLetters : [...rejected, ...outcome.deadLetters];
    const writes: Promise<void>[] = [];
    if (letters.length > 0) writes.push(this.untilDone('write dead letters', signal, () => this.deps.deadLetters.write(letters)));
    if (outcome.responses.length > 0) writes.push(this.untilDone('write responses', signal, () => this.deps.sink.write(outcome.responses)));
    await Promise.all(writes);
  }

  private untilDone<T>(what: string, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    const onRetry = logRetries(this.logger, { shardId: this.shardId }, `could not ${what}; retrying, and not checkpointing until it succeeds`);
    return retrying(attempt, backoffPolicy(this.backoff), { signal, onRetry });
  }
}
