/**
 * The record processor of `riposte kcl`: what one child does with its one shard over its lifetime
 * (initialize → processRecords… → leaseLost | shardEnded | shutdownRequested).
 *
 * Checkpoints. After each batch the pipeline knows the newest safe position: the responses and dead
 * letters of every record up to it are durable (they are written in lanes while the next batches are
 * processed), and it trails the newest record by the longest window, by design. The child
 * checkpoints there, with the sub-sequence number, when it moved. The daemon's answer
 * decides what follows, as the KCL documents RecordProcessorCheckpointer's exceptions:
 * - ThrottlingException, KinesisClientLibDependencyException: the position stays pending and is
 *   tried again after the next batch (at shard end, with backoff until it lands);
 * - ShutdownException, InvalidStateException: the lease is gone or going; this child stops
 *   checkpointing the shard and lets it go (leaseLost normally follows);
 * - IllegalArgumentException: the position is outside what the daemon delivered — a bug; logged,
 *   and that position is not tried again.
 */
import type { Logger } from '../../core/ports';
import { deadLetterOf, samePosition, type Position, type ShardRecord } from '../../engine/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../../shared/backoff';
import { backoffPolicy, retrying } from '../../shared/retry';
import type { DriverDependencies } from '../dependencies';
import { ShardPipeline } from '../shard-pipeline';
import { classifyCheckpointError } from './messages';
import type { Checkpointer, InitializeInput, KclHandler, ProcessRecordsInput } from './protocol';

export interface KclRecordProcessorOptions {
  /** Aborts the work in flight (write retries) when the daemon goes away. */
  signal?: AbortSignal;
  /** Retry pacing for writes and for the end-of-shard checkpoint. */
  backoff?: BackoffOptions;
}

export class KclRecordProcessor implements KclHandler {
  private pipeline: ShardPipeline | null = null;
  private shardId = 'unknown-shard';
  /** The last position the daemon acknowledged. */
  private acknowledged: Position | null = null;
  /** False once the daemon said the lease is gone. */
  private mayCheckpoint = true;
  private readonly logger: Logger;

  constructor(
    private readonly deps: DriverDependencies,
    private readonly options: KclRecordProcessorOptions = {},
  ) {
    this.logger = deps.logger;
  }

  /** The shard's pipeline (its processor and stats), once initialized. */
  get shard(): ShardPipeline | null {
    return this.pipeline;
  }

  async initialize(input: InitializeInput): Promise<void> {
    this.shardId = input.shardId;
    this.pipeline = new ShardPipeline(input.shardId, this.deps, this.options.backoff);
    this.logger.info({ shardId: input.shardId, sequenceNumber: input.sequenceNumber, subSequenceNumber: input.subSequenceNumber }, 'shard initialized');
  }

  async processRecords(input: ProcessRecordsInput, checkpointer: Checkpointer): Promise<void> {
    const pipeline = this.pipelineFor('processRecords');
    const records: ShardRecord[] = input.records.map((r) => ({
      data: r.data === null ? Buffer.alloc(0) : Buffer.from(r.data, 'base64'),
      sequenceNumber: r.sequenceNumber,
      subSequenceNumber: r.subSequenceNumber ?? 0,
      arrivalTime: r.approximateArrivalTimestamp ?? undefined,
      partitionKey: r.partitionKey ?? undefined,
    }));
    // What the daemon sent is kept, as JSON, in place of the record's data.
    const rejected = input.malformed.map((m) =>
      deadLetterOf(this.shardId, { data: Buffer.from(JSON.stringify(m)), sequenceNumber: m.sequenceNumber ?? 'unknown' }, `record ${m.index} of the batch is malformed: ${m.reason}`),
    );
    for (const m of input.malformed) this.logger.warn({ shardId: this.shardId, ...m }, 'malformed record from the daemon: dead-lettered');
    if (input.millisBehindLatest !== null) pipeline.processor.stats.millisBehindLatest = input.millisBehindLatest;
    await pipeline.process(records, rejected, this.options.signal);
    await this.checkpointSafe(checkpointer);
  }

  async leaseLost(): Promise<void> {
    this.logger.info({ shardId: this.shardId }, 'lease lost: dropping the shard state, not checkpointing');
    this.mayCheckpoint = false;
    this.pipeline?.close();
  }

  /**
   * The whole shard is done: once every batch's output is written (drained), the checkpoint at its
   * end (no sequence number) lets the child shards start.
   */
  async shardEnded(checkpointer: Checkpointer): Promise<void> {
    // Without the lease nothing is checkpointed, so there is nothing to wait for.
    if (this.mayCheckpoint) await this.pipeline?.drain(this.options.signal);
    this.logger.info({ shardId: this.shardId }, 'shard ended: checkpointing at its end');
    const checkpointEnd = async (): Promise<void> => {
      const error = this.mayCheckpoint ? await checkpointer.checkpoint(null) : null;
      if (error !== null) throw new CheckpointRefused(error);
    };
    const retryable = (error: unknown): boolean => error instanceof CheckpointRefused && ['retry-later', 'unknown'].includes(classifyCheckpointError(error.message));
    const onRetry = (error: unknown, next: { delayMs: number }): void =>
      this.logger.warn({ shardId: this.shardId, error: (error as Error).message, retryInMs: next.delayMs }, 'end-of-shard checkpoint failed; trying again (the child shards wait for it)');
    try {
      await retrying(checkpointEnd, backoffPolicy(this.options.backoff ?? DEFAULT_BACKOFF, Infinity, retryable), { signal: this.options.signal, onRetry });
    } catch (error) {
      if (!(error instanceof CheckpointRefused)) throw error;
      this.onCheckpointError(error.message, null);
    }
    this.pipeline?.close();
  }

  /** The worker is shutting down: checkpoint what is safe; leaseLost normally follows. */
  async shutdownRequested(checkpointer: Checkpointer): Promise<void> {
    if (this.mayCheckpoint) {
      // What was handed over is written first, so that the checkpoint covers it; if a write failed for
      // good, what is safe is still checkpointed (never past the unwritten).
      await this.pipeline?.drain(this.options.signal).catch((error: unknown) => {
        this.logger.error({ shardId: this.shardId, err: error }, 'shutdown requested: the writes in hand did not all land; checkpointing what is safe');
      });
    }
    this.logger.info({ shardId: this.shardId, safe: this.pipeline?.safe ?? null }, 'shutdown requested: checkpointing what is safe');
    await this.checkpointSafe(checkpointer);
  }

  private async checkpointSafe(checkpointer: Checkpointer): Promise<void> {
    const safe = this.pipeline?.safe ?? null;
    if (!this.mayCheckpoint || safe === null || samePosition(safe, this.acknowledged)) return;
    const error = await checkpointer.checkpoint(safe);
    if (error === null) {
      this.acknowledged = safe;
      this.logger.debug({ shardId: this.shardId, position: safe }, 'checkpointed');
    } else {
      this.onCheckpointError(error, safe);
    }
  }

  private onCheckpointError(error: string, position: Position | null): void {
    const where = { shardId: this.shardId, position, error };
    switch (classifyCheckpointError(error)) {
      case 'retry-later':
        this.logger.warn(where, 'checkpoint not taken now; trying again after the next batch');
        return;
      case 'lease-gone':
        this.mayCheckpoint = false;
        this.logger.warn(where, 'the lease is gone: no more checkpoints for this shard');
        return;
      case 'bad-position':
        // Not retried: the same position would fail the same way.
        if (position !== null) this.acknowledged = position;
        this.logger.error(where, 'the daemon refused the checkpoint position');
        return;
      case 'unknown':
        this.logger.error(where, 'checkpoint failed with an unknown error; trying again after the next batch');
    }
  }

  private pipelineFor(action: string): ShardPipeline {
    if (this.pipeline === null) {
      this.logger.error({ action }, 'action before initialize: starting the shard processor now');
      this.pipeline = new ShardPipeline(this.shardId, this.deps, this.options.backoff);
    }
    return this.pipeline;
  }
}

/** The daemon's refusal of a checkpoint, as an error: its message is the exception the daemon named. */
class CheckpointRefused extends Error {
  override readonly name = 'CheckpointRefused';
}
