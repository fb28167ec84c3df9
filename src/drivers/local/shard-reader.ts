/**
 * Reads one shard to its end, or until told to stop: GetShardIterator from the checkpoint, then
 * GetRecords in a loop, each batch through the shard pipeline (engine, then durable writes), then
 * a checkpoint in the checkpoints table. The checkpoint is the pipeline's safe position, which
 * trails the newest record by the longest window (README, "What makes it correct"): a restart re-reads from there and
 * rebuilds the same windows.
 *
 * Kinesis limits, per shard: 5 GetRecords calls a second and 2 MB/s read, at most 10,000 records and
 * 10 MiB a call. Calls are spaced accordingly (`readDelayMs`; the byte pacing is off on the embedded
 * kinesalite, which imposes no read limit), and each asks for no more records than fit in
 * `maxBytesPerRead` (`nextLimit`): kinesalite caps nothing in bytes, and a reader behind a flood of big
 * records would otherwise be handed all of it at once; ProvisionedThroughputExceededException (another reader on the
 * stream) and other passing failures back off exponentially, while a refusal no retry can mend (an access denial, a
 * validation error: shared/retry.ts) ends the reader; an expired iterator is renewed after the last
 * record read. An empty answer with nothing behind waits `idleTimeBetweenReadsMs`.
 */
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { Logger } from '../../core/ports';
import { KINESIS_RECORD_BYTES } from '../../aws/stream';
import { samePosition, type Position } from '../../engine/types';
import { isAbort } from '../../core/abort';
import { sleep, type BackoffOptions } from '../../shared/backoff';
import { backoffPolicy, logRetries, retrying, type RetryPolicy } from '../../shared/retry';
import type { DriverDependencies } from '../dependencies';
import { ShardPipeline } from '../shard-pipeline';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
import { readDelayMs, type ReadPacing } from './read-pacing';
import { unpack } from './unpack';

export interface ShardReaderSettings extends ReadPacing {
  initialPosition: 'TRIM_HORIZON' | 'LATEST';
  maxRecords: number;
  /** Bytes of records one GetRecords is planned to bring back (nextLimit). */
  maxBytesPerRead: number;
  idleTimeBetweenReadsMs: number;
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
  /** Kinesis reads: retried for as long as they fail transiently; an expired iterator, a gone shard and the like come back at once. */
  private readonly readPolicy: RetryPolicy;
  /**
   * The record size the next read plans for: at first the largest a record can be, then the largest
   * of the last read, never less than half the size planned before (nextLimit).
   */
  private plannedRecordBytes = KINESIS_RECORD_BYTES;

  constructor(
    readonly shard: Shard,
    private readonly start: StoredCheckpoint | undefined,
    private readonly ctx: ShardReaderContext,
  ) {
    this.shardId = shard.ShardId as string;
    this.logger = ctx.deps.logger;
    this.pipeline = new ShardPipeline(this.shardId, ctx.deps, ctx.settings.writeBackoff);
    if (start?.kind === 'position') this.committed = start.position;
    this.readPolicy = backoffPolicy(ctx.settings.readBackoff);
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
    const onRetry = (error: unknown, next: { attempt: number; delayMs: number }): void => {
      const throttled = error instanceof ProvisionedThroughputExceededException;
      this.logger[throttled ? 'info' : 'warn']({ shardId: this.shardId, attempt: next.attempt, retryInMs: next.delayMs, err: error }, throttled ? 'read throughput exceeded; backing off' : 'GetRecords failed; retrying');
    };
    while (!stopSignal.aborted) {
      const request = new GetRecordsCommand({ ShardIterator: iterator, Limit: this.nextLimit() });
      // Paced inside the attempt: a retry is a call like any other.
      const getRecords = async (): Promise<GetRecordsCommandOutput> => (await this.pace(), kinesis.send(request, { abortSignal: stopSignal }));
      let result: GetRecordsCommandOutput;
      try {
        result = await retrying(getRecords, this.readPolicy, { signal: stopSignal, onRetry });
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
        throw error;
      }
      const kinesisRecords = result.Records ?? [];
      this.sized(kinesisRecords);
      const behind = result.MillisBehindLatest ?? 0;
      this.pipeline.processor.stats.millisBehindLatest = behind;
      if (kinesisRecords.length > 0) await this.process(kinesisRecords, behind);
      // Writes land between batches too (the pipeline's lanes): what became safe meanwhile is checkpointed.
      await this.commitSafe();
      if (result.NextShardIterator === undefined || result.NextShardIterator === null) {
        await this.pipeline.drain(this.ctx.abortSignal);
        await this.commitSafe();
        await this.finish();
        return 'shard-ended';
      }
      iterator = result.NextShardIterator;
      const idle = kinesisRecords.length === 0 && behind === 0;
      if (idle && !this.idle) this.ctx.observer.caughtUp(this.shardId);
      this.idle = idle;
      if (idle) await sleep(settings.idleTimeBetweenReadsMs, stopSignal).catch(() => undefined);
    }
    // A graceful stop: what was read is written and checkpointed (the stop deadline's abort ends the wait).
    await this.pipeline.drain(this.ctx.abortSignal);
    await this.commitSafe();
    return 'stopped';
  }

  /** Checkpoints the pipeline's safe position if it moved; rejects if the pipeline failed for good. */
  private async commitSafe(): Promise<void> {
    this.pipeline.throwIfStopped();
    const safe = this.pipeline.safe;
    if (safe !== null && !samePosition(safe, this.committed)) await this.commit(safe);
  }

  private async process(kinesisRecords: KinesisRecord[], behind: number): Promise<void> {
    const batch = unpack(this.shardId, kinesisRecords, this.skipThrough);
    this.skipThrough = null;
    for (const a of batch.aggregated) this.aggregatedEnds.set(a.sequenceNumber, a.lastSubSequenceNumber);
    const stats = this.pipeline.processor.stats;
    const before = { responses: stats.responses, rejected: stats.rejected };
    await this.pipeline.process(batch.records, batch.rejected, this.ctx.abortSignal);
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

  /** The shard is closed and read to its end, every batch written (drained): its end is checkpointed. */
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
    const get = (from: typeof request): Promise<string> =>
      retrying(
        async () => (await this.ctx.kinesis.send(new GetShardIteratorCommand({ StreamName: this.ctx.streamName, ShardId: this.shardId, ...from }), { abortSignal: this.ctx.stopSignal })).ShardIterator as string,
        this.readPolicy,
        { signal: this.ctx.stopSignal, onRetry: logRetries(this.logger, { shardId: this.shardId }, 'GetShardIterator failed; retrying') },
      );
    try {
      return await get(request).catch((error: unknown) => {
        if (!(error instanceof InvalidArgumentException && request.StartingSequenceNumber !== undefined)) throw error;
        // The checkpoint fell out of the stream's retention: what is left starts at the horizon.
        this.logger.error({ shardId: this.shardId, request, err: error }, 'cannot resume at the checkpoint (past retention?); reading from the oldest record instead');
        this.skipThrough = null;
        return get({ ShardIteratorType: 'TRIM_HORIZON' });
      });
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      this.logger.error({ shardId: this.shardId, err: error }, 'shard or stream no longer exists; not reading it');
      return undefined;
    }
  }

  /**
   * The Limit of the next GetRecords: as many records as fit in `maxBytesPerRead` at the planned record
   * size, at least one. GetRecords takes a count, not bytes, so the size is a forecast from the records
   * read last; it may fall by half a read at most, so that a reader that saw only small records for a
   * moment does not ask for thousands of records at once when the big ones come back.
   */
  private nextLimit(): number {
    const { maxRecords, maxBytesPerRead } = this.ctx.settings;
    return Math.max(1, Math.min(maxRecords, Math.floor(maxBytesPerRead / this.plannedRecordBytes)));
  }

  /** Takes the measure of a read: its bytes for the pacing, its largest record for the next Limit. */
  private sized(records: readonly KinesisRecord[]): void {
    let bytes = 0;
    let largest = 0;
    for (const r of records) {
      const size = r.Data?.byteLength ?? 0;
      bytes += size;
      if (size > largest) largest = size;
    }
    this.lastCallBytes = bytes;
    if (records.length > 0) this.plannedRecordBytes = Math.max(largest, this.plannedRecordBytes / 2, 1);
  }

  /** Spaces GetRecords calls as the settings' pacing says (`readDelayMs`). */
  private async pace(): Promise<void> {
    const wait = readDelayMs(this.ctx.settings, { atMs: this.lastCallAt, bytes: this.lastCallBytes }, Date.now());
    if (wait > 0) await sleep(wait, this.ctx.stopSignal).catch(() => undefined);
    this.lastCallAt = Date.now();
  }

  private durably(what: string, attempt: () => Promise<void>): Promise<void> {
    const onRetry = logRetries(this.logger, { shardId: this.shardId }, `could not ${what}; retrying`);
    return retrying(attempt, backoffPolicy(this.ctx.settings.writeBackoff), { signal: this.ctx.abortSignal, onRetry });
  }
}
