/**
 * Reads one shard to its end, or until told to stop: GetShardIterator from the checkpoint, then
 * GetRecords in a loop, each batch through the shard pipeline (engine, then durable writes), then
 * a checkpoint in the checkpoints table. The checkpoint is the pipeline's safe position, which
 * trails the newest record by the longest window (README, "What makes it correct"): a restart re-reads from there and
 * rebuilds the same windows.
 *
 * Kinesis limits, per shard: 5 GetRecords calls a second and 2 MB/s read, at most 10,000 records a
 * call. Calls are spaced accordingly; ProvisionedThroughputExceededException (another reader on the
 * stream) and other failures back off exponentially; an expired iterator is renewed after the last
 * record read. An empty answer with nothing behind waits `idleTimeBetweenReadsMs`.
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { Logger } from '../../core/ports';
import { samePosition, type Position } from '../../engine/types';
import { Backoff, isAbort, sleep, untilDone, type BackoffOptions } from '../backoff';
import type { DriverDependencies } from '../dependencies';
import { ShardPipeline } from '../shard-pipeline';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
import { unpack } from './unpack';

export interface ShardReaderSettings {
  initialPosition: 'TRIM_HORIZON' | 'LATEST';
  maxRecords: number;
  idleTimeBetweenReadsMs: number;
  /** Kinesis allows 5 GetRecords calls a second per shard. */
  minTimeBetweenReadsMs: number;
  /** Kinesis serves 2 MB/s per shard to a reader. */
  maxReadBytesPerSecond: number;
  readBackoff: BackoffOptions;
  writeBackoff: BackoffOptions;
}

/** What the reader tells the driver about. */
export interface ShardReaderObserver {
  started(shardId: string, from: string): void;
  batch(info: BatchInfo): void;
  checkpointed(shardId: string, position: Position | 'SHARD_END'): void;
  /** An empty read with nothing behind: every record put so far is processed. Once per idle spell. */
  caughtUp(shardId: string): void;
}

export interface BatchInfo {
  shardId: string;
  /** Kinesis records read (before unpacking). */
  kinesisRecords: number;
  /** User records handed to the engine. */
  records: number;
  responses: number;
  deadLetters: number;
  millisBehindLatest: number;
  /** Now (once written) minus the arrival time of the batch's newest record: how far behind the reader is. */
  arrivalLagMs: number | null;
  /** The same for the batch's oldest record: the longest any of its events waited. */
  oldestArrivalLagMs: number | null;
}

export type ReaderEnd = 'shard-ended' | 'stopped' | 'gone';

export interface ShardReaderContext {
  streamName: string;
  kinesis: KinesisClient;
  checkpoints: CheckpointStore;
  deps: DriverDependencies;
  settings: ShardReaderSettings;
  observer: ShardReaderObserver;
  /** Graceful stop: no more reads; the batch in flight is finished and checkpointed. */
  stopSignal: AbortSignal;
  /** Hard stop: the batch in flight is dropped, nothing more is checkpointed. */
  abortSignal: AbortSignal;
}

export class ShardReader {
  readonly pipeline: ShardPipeline;
  readonly shardId: string;
  private readonly logger: Logger;
  /** The last Kinesis record read and processed, to renew an expired iterator after it. */
  private lastRead: string | null = null;
  private committed: Position | null = null;
  /** Resuming inside an aggregated record: the user records up to here are done. */
  private skipThrough: Position | null = null;
  /** Aggregated records not yet behind a checkpoint: their last sub-sequence number. */
  private readonly aggregatedEnds = new Map<string, number>();
  private idle = false;
  private lastCallAt = 0;
  private lastCallBytes = 0;

  constructor(
    readonly shard: Shard,
    private readonly start: StoredCheckpoint | undefined,
    private readonly ctx: ShardReaderContext,
  ) {
    this.shardId = shard.ShardId as string;
    this.logger = ctx.deps.logger;
    this.pipeline = new ShardPipeline(this.shardId, ctx.deps, ctx.settings.writeBackoff);
    if (start?.kind === 'position') this.committed = start.position;
  }

  /** The sequence number of the last Kinesis record read, processed, written and checkpointed (as far as safe), if any. */
  get lastReadSequenceNumber(): string | null {
    return this.lastRead;
  }

  async run(): Promise<ReaderEnd> {
    try {
      return await this.read();
    } catch (error) {
      if (isAbort(error, this.ctx.abortSignal) || isAbort(error, this.ctx.stopSignal)) return 'stopped';
      throw error;
    } finally {
      this.pipeline.close();
    }
  }

  private async read(): Promise<ReaderEnd> {
    const { kinesis, settings, stopSignal } = this.ctx;
    let iterator = await this.iterator(this.resumeRequest());
    if (iterator === undefined) return 'gone';
    const backoff = new Backoff(settings.readBackoff);
    while (!stopSignal.aborted) {
      await this.pace();
      let result;
      try {
        result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: settings.maxRecords }), { abortSignal: stopSignal });
      } catch (error) {
        if (isAbort(error, stopSignal)) break;
        if (error instanceof ExpiredIteratorException) {
          this.logger.info({ shardId: this.shardId, after: this.lastRead }, 'shard iterator expired; getting a new one');
          iterator = await this.iterator(this.resumeRequest());
          if (iterator === undefined) return 'gone';
          continue;
        }
        if (error instanceof ResourceNotFoundException) {
          this.logger.error({ shardId: this.shardId, err: error }, 'shard or stream no longer exists; stopped reading it');
          return 'gone';
        }
        const delayMs = backoff.next();
        const throttled = error instanceof ProvisionedThroughputExceededException;
        this.logger[throttled ? 'info' : 'warn']({ shardId: this.shardId, retryInMs: delayMs, err: error }, throttled ? 'read throughput exceeded; backing off' : 'GetRecords failed; retrying');
        await sleep(delayMs, stopSignal);
        continue;
      }
      backoff.reset();
      const kinesisRecords = result.Records ?? [];
      this.lastCallBytes = kinesisRecords.reduce((n, r) => n + (r.Data?.byteLength ?? 0), 0);
      const behind = result.MillisBehindLatest ?? 0;
      this.pipeline.processor.stats.millisBehindLatest = behind;
      if (kinesisRecords.length > 0) await this.process(kinesisRecords, behind);
      if (result.NextShardIterator === undefined || result.NextShardIterator === null) {
        await this.finish();
        return 'shard-ended';
      }
      iterator = result.NextShardIterator;
      const idle = kinesisRecords.length === 0 && behind === 0;
      if (idle && !this.idle) this.ctx.observer.caughtUp(this.shardId);
      this.idle = idle;
      if (idle) await sleep(settings.idleTimeBetweenReadsMs, stopSignal).catch(() => undefined);
    }
    return 'stopped';
  }

  private async process(kinesisRecords: KinesisRecord[], behind: number): Promise<void> {
    const batch = unpack(this.shardId, kinesisRecords, this.skipThrough);
    this.skipThrough = null;
    for (const a of batch.aggregated) this.aggregatedEnds.set(a.sequenceNumber, a.lastSubSequenceNumber);
    const stats = this.pipeline.processor.stats;
    const before = { responses: stats.responses, rejected: stats.rejected };
    const safe = await this.pipeline.process(batch.records, batch.rejected, this.ctx.abortSignal);
    if (safe !== null && !samePosition(safe, this.committed)) await this.commit(safe);
    const last = kinesisRecords[kinesisRecords.length - 1];
    this.lastRead = last?.SequenceNumber ?? this.lastRead;
    const arrival = last?.ApproximateArrivalTimestamp?.getTime();
    const firstArrival = kinesisRecords[0]?.ApproximateArrivalTimestamp?.getTime();
    const now = Date.now();
    this.ctx.observer.batch({
      shardId: this.shardId,
      kinesisRecords: kinesisRecords.length,
      records: batch.records.length,
      responses: stats.responses - before.responses,
      deadLetters: stats.rejected - before.rejected + batch.rejected.length,
      millisBehindLatest: behind,
      arrivalLagMs: arrival === undefined ? null : now - arrival,
      oldestArrivalLagMs: firstArrival === undefined ? null : now - firstArrival,
    });
  }

  private async commit(position: Position): Promise<void> {
    const lastSub = this.aggregatedEnds.get(position.sequenceNumber);
    const complete = lastSub === undefined || position.subSequenceNumber >= lastSub;
    await this.durably('checkpoint', () => this.ctx.checkpoints.put(this.shardId, { kind: 'position', position, complete }));
    this.committed = position;
    const at = BigInt(position.sequenceNumber);
    for (const sequenceNumber of this.aggregatedEnds.keys()) {
      if (BigInt(sequenceNumber) >= at) break; // insertion order is shard order
      this.aggregatedEnds.delete(sequenceNumber);
    }
    this.ctx.observer.checkpointed(this.shardId, position);
  }

  /** The shard is closed and read to its end: every batch is durable, so its end is checkpointed. */
  private async finish(): Promise<void> {
    await this.durably('checkpoint the end of the shard', () => this.ctx.checkpoints.put(this.shardId, { kind: 'shard-end' }));
    this.logger.info({ shardId: this.shardId, records: this.pipeline.processor.stats.records }, 'shard read to its end');
    this.ctx.observer.checkpointed(this.shardId, 'SHARD_END');
  }

  /** Where to resume: after the last record read, else from the checkpoint, else the initial position. */
  private resumeRequest(): Omit<GetShardIteratorCommandInput, 'StreamName' | 'ShardId'> {
    if (this.lastRead !== null) return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: this.lastRead };
    const start = this.start;
    if (start?.kind === 'position') {
      if (start.complete) return { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: start.position.sequenceNumber };
      this.skipThrough = start.position;
      return { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: start.position.sequenceNumber };
    }
    // A child of a reshard starts at its beginning whatever the initial position: its first records
    // follow its parents' last ones.
    const hasParent = this.shard.ParentShardId !== undefined || this.shard.AdjacentParentShardId !== undefined;
    return { ShardIteratorType: hasParent ? 'TRIM_HORIZON' : this.ctx.settings.initialPosition };
  }

  private async iterator(request: Omit<GetShardIteratorCommandInput, 'StreamName' | 'ShardId'>): Promise<string | undefined> {
    this.ctx.observer.started(this.shardId, request.StartingSequenceNumber === undefined ? String(request.ShardIteratorType) : `${request.ShardIteratorType} ${request.StartingSequenceNumber}`);
    const backoff = new Backoff(this.ctx.settings.readBackoff);
    for (;;) {
      try {
        const out = await this.ctx.kinesis.send(
          new GetShardIteratorCommand({ StreamName: this.ctx.streamName, ShardId: this.shardId, ...request }),
          { abortSignal: this.ctx.stopSignal },
        );
        return out.ShardIterator as string;
      } catch (error) {
        if (isAbort(error, this.ctx.stopSignal)) throw error;
        if (error instanceof ResourceNotFoundException) {
          this.logger.error({ shardId: this.shardId, err: error }, 'shard or stream no longer exists; not reading it');
          return undefined;
        }
        if (error instanceof InvalidArgumentException && request.StartingSequenceNumber !== undefined) {
          // The checkpoint fell out of the stream's retention: what is left starts at the horizon.
          this.logger.error({ shardId: this.shardId, request, err: error }, 'cannot resume at the checkpoint (past retention?); reading from the oldest record instead');
          request = { ShardIteratorType: 'TRIM_HORIZON' };
          this.skipThrough = null;
          continue;
        }
        const delayMs = backoff.next();
        this.logger.warn({ shardId: this.shardId, retryInMs: delayMs, err: error }, 'GetShardIterator failed; retrying');
        await sleep(delayMs, this.ctx.stopSignal);
      }
    }
  }

  /** Spaces GetRecords calls: at most 5 a second, and no faster than 2 MB/s of data. */
  private async pace(): Promise<void> {
    const { minTimeBetweenReadsMs, maxReadBytesPerSecond } = this.ctx.settings;
    const spacing = Math.max(minTimeBetweenReadsMs, (this.lastCallBytes / maxReadBytesPerSecond) * 1000);
    const wait = this.lastCallAt + spacing - Date.now();
    if (wait > 0) await sleep(wait, this.ctx.stopSignal).catch(() => undefined);
    this.lastCallAt = Date.now();
  }

  private durably(what: string, attempt: () => Promise<void>): Promise<void> {
    return untilDone(attempt, {
      backoff: this.ctx.settings.writeBackoff,
      signal: this.ctx.abortSignal,
      logger: this.logger,
      context: { shardId: this.shardId },
      message: `could not ${what}; retrying`,
    });
  }
}
