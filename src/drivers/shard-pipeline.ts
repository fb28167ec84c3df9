/**
 * One shard's way from records to a checkpoint, shared by the KCL child and the local driver:
 * the engine decides, the responses and dead letters are made durable, and only then is the
 * engine's offered position handed back as safe to checkpoint (README, "What makes it
 * correct": effectively-once responses).
 *
 * A write that fails is retried with backoff until it lands, for as long as it takes: the shard
 * slows down, it never checkpoints past a response that is not written. Only the abort signal (the
 * daemon went away, a hard stop) ends the retries, and then nothing is checkpointed.
 */
import type { DeadLetter, Logger, ResponseHistory } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import { ShardProcessor } from '../engine/processor';
import type { BatchOutcome, Position, ShardRecord } from '../engine/types';
import { DEFAULT_BACKOFF, untilDone, type BackoffOptions } from './backoff';
import type { DriverDependencies } from './dependencies';

export class ShardPipeline {
  readonly processor: ShardProcessor;
  private readonly logger: Logger;
  private safePosition: Position | null = null;
  /** The signal of the batch in flight, for the history reads the engine makes during it. */
  private signal: AbortSignal | undefined;

  constructor(
    readonly shardId: string,
    private readonly deps: DriverDependencies,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.logger = deps.logger;
    // The engine reads history inside processBatch; retrying there (and not processBatch itself,
    // which may have changed windows before it failed) keeps a retried read from counting twice.
    const history: ResponseHistory = {
      recent: (appId: string, sinceMs: number): Promise<readonly SecurityResponse[]> =>
        this.untilDone('read response history', this.signal, () => deps.history.recent(appId, sinceMs)),
    };
    this.processor = new ShardProcessor({ ...deps.processor, shardId, config: deps.config, history, logger: deps.logger });
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
    this.signal = signal;
    const outcome = await this.processor.processBatch(records);
    await this.persist(outcome, rejected, signal);
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
    return untilDone(attempt, {
      backoff: this.backoff,
      signal,
      logger: this.logger,
      context: { shardId: this.shardId },
      message: `could not ${what}; retrying, and not checkpointing until it succeeds`,
    });
  }
}
