/**
 * The local driver: reads every shard of one stream in this process, one shard reader (and engine
 * processor) per shard, with checkpoints in the DynamoDB checkpoints table so that a restart
 * resumes. For development, tests and the embedded default of `riposte start`: it is one process
 * on one machine, not a cluster — it takes no leases, and two of them on one stream would each read
 * every shard. Scaling out is the KCL's job (`riposte kcl`).
 *
 * Resharding: a shard is read only once its parents are finished (read to their end here, or
 * checkpointed at their end before, or expired from the stream), so an application's events are
 * processed in order across a split or a merge. A finished shard triggers a new listing at once;
 * the listing is also refreshed every `shardSyncIntervalMs`.
 *
 * Lifecycle: `start()` lists the shards and starts the readers; `stop()` stops gracefully — no new
 * reads, the batch in flight is finished, written and checkpointed — and after `stopDeadlineMs`
 * abandons what is still in flight (nothing more is checkpointed, so nothing is lost).
 */
import { EventEmitter } from 'node:events';
import { ListShardsCommand, type KinesisClient, type ListShardsCommandInput, type Shard } from '@aws-sdk/client-kinesis';
import { interval, merge, ReplaySubject, takeUntil, type Subscription } from 'rxjs';
import type { Logger } from '../../core/ports';
import type { Position } from '../../engine/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../../shared/backoff';
import { abortOf, coalesced, unrefScheduler } from '../../shared/rx';
import type { DriverDependencies } from '../dependencies';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
import { KINESIS_READ_PACING, type ReadPacing } from './read-pacing';
import { ShardReader, type BatchInfo, type ReaderEnd, type ShardReaderSettings } from './shard-reader';

export interface LocalDriverOptions {
  streamName: string;
  kinesis: KinesisClient;
  checkpoints: CheckpointStore;
  deps: DriverDependencies;
  /** Where a shard without a checkpoint is read from (children of a reshard: always their start). */
  initialPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** GetRecords Limit (Kinesis allows up to 10,000). */
  maxRecords?: number;
  /**
   * Bytes of records one GetRecords is planned to bring back: the Limit of each call is cut to what
   * fits, at the size of the largest records lately read (shard-reader.ts, `nextLimit`).
   */
  maxBytesPerRead?: number;
  /**
   * How GetRecords calls are spaced: `KINESIS_READ_PACING` (the default: real Kinesis's per-shard
   * limits, which it throttles beyond) or `EMBEDDED_READ_PACING` (no byte pacing, for the embedded
   * kinesalite, which takes in more than a shard would and imposes no read limit).
   */
  readPacing?: ReadPacing;
  /** Wait after an empty read when nothing is behind. */
  idleTimeBetweenReadsMs?: number;
  shardSyncIntervalMs?: number;
  /** How long `stop()` lets batches in flight finish before abandoning them. */
  stopDeadlineMs?: number;
  readBackoff?: BackoffOptions;
  writeBackoff?: BackoffOptions;
}

export const LOCAL_DRIVER_DEFAULTS = {
  initialPosition: 'TRIM_HORIZON',
  maxRecords: 10_000,
  // Kinesis answers at most 10 MiB a call, kinesalite as much as the Limit brings (one answer of
  // 10,000 records of 1 MiB cannot even be serialised). One read's worth is what the reader holds
  // in memory; a smaller read costs no throughput on Kinesis (reads are paced by bytes, 2 MB/s) and
  // is waited for less. 1 MiB: one record of Kinesis's largest.
  maxBytesPerRead: 1024 * 1024,
  // Kinesis allows 5 reads a second per shard; a caught-up shard is read that often, so a new report
  // waits at most ~200 ms to be read (the bulk of the detection latency, bench/detection-latency.ts).
  idleTimeBetweenReadsMs: 200,
  shardSyncIntervalMs: 30_000,
  stopDeadlineMs: 30_000,
} as const;

/** Lifecycle and progress, for logs, metrics and tests. */
export interface LocalDriverEvents {
  shardStarted: [{ shardId: string; from: string }];
  batch: [BatchInfo];
  checkpoint: [{ shardId: string; position: Position | 'SHARD_END' }];
  /** A shard's reader found nothing more to read: all its records so far are processed. */
  caughtUp: [{ shardId: string }];
  shardFinished: [{ shardId: string; end: ReaderEnd }];
  /** A reader failed on something no retry mends (a bug, an access denial, a missing table): the driver stops. */
  failed: [{ shardId: string; error: unknown }];
}

interface Running {
  reader: ShardReader;
  done: Promise<void>;
}

export class LocalKinesisDriver extends EventEmitter<LocalDriverEvents> {
  private readonly stopController = new AbortController();
  private readonly abortController = new AbortController();
  private readonly running = new Map<string, Running>();
  /** Shards finished: read to their end (here or before), or gone. */
  private readonly finished = new Set<string>();
  private readonly settings: ShardReaderSettings;
  private readonly logger: Logger;
  /** The listing in flight (or the last one), for `stop()` to wait for. */
  private syncing: Promise<void> | null = null;
  /** Listings asked for (a shard finished); one asked for before the syncs are subscribed is replayed to them. */
  private readonly syncRequests = new ReplaySubject<void>(1);
  private syncs: Subscription | undefined;
  private started = false;
  private stopped: Promise<void> | null = null;

  constructor(private readonly options: LocalDriverOptions) {
    super();
    this.logger = options.deps.logger;
    this.settings = {
      initialPosition: options.initialPosition ?? LOCAL_DRIVER_DEFAULTS.initialPosition,
      maxRecords: options.maxRecords ?? LOCAL_DRIVER_DEFAULTS.maxRecords,
      maxBytesPerRead: options.maxBytesPerRead ?? LOCAL_DRIVER_DEFAULTS.maxBytesPerRead,
      idleTimeBetweenReadsMs: options.idleTimeBetweenReadsMs ?? LOCAL_DRIVER_DEFAULTS.idleTimeBetweenReadsMs,
      ...(options.readPacing ?? KINESIS_READ_PACING),
      readBackoff: options.readBackoff ?? { initialMs: 500, maxMs: 10_000 },
      writeBackoff: options.writeBackoff ?? DEFAULT_BACKOFF,
    };
  }

  /** Lists the shards and starts reading those that are ready. Rejects if the stream cannot be listed. */
  async start(): Promise<void> {
    if (this.started) throw new Error('the local driver was started already');
    this.started = true;
    await this.runSync();
    this.syncs = this.syncInBackground();
    this.logger.info({ stream: this.options.streamName, reading: [...this.running.keys()] }, 'local driver started');
  }

  /** Stops gracefully; resolves once every reader has stopped. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.syncs?.unsubscribe();
      this.stopController.abort(new Error('the local driver is stopping'));
      const deadline = setTimeout(() => this.abortController.abort(new Error('stop deadline passed')), this.options.stopDeadlineMs ?? LOCAL_DRIVER_DEFAULTS.stopDeadlineMs);
      try {
        await this.syncing?.catch(() => undefined);
        while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
      } finally {
        clearTimeout(deadline);
      }
      this.logger.info({ stream: this.options.streamName }, 'local driver stopped');
    })();
    return this.stopped;
  }

  /** Runs until `signal` aborts, then stops gracefully. */
  async run(signal: AbortSignal): Promise<void> {
    await this.start();
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await this.stop();
  }

  /** Abandons the batches in flight at once (nothing more is checkpointed). */
  abort(): void {
    this.abortController.abort(new Error('the local driver was aborted'));
    void this.stop();
  }

  /** The shard readers at work, with their pipelines (processor stats, safe positions). */
  get readers(): ReadonlyMap<string, ShardReader> {
    return new Map([...this.running].map(([id, r]) => [id, r.reader]));
  }

  get finishedShards(): ReadonlySet<string> {
    return this.finished;
  }

  /** Lists again when asked and every `shardSyncIntervalMs`, one listing at a time (shared/rx.ts `coalesced`). */
  private syncInBackground(): Subscription {
    const asked = merge(this.syncRequests, interval(this.options.shardSyncIntervalMs ?? LOCAL_DRIVER_DEFAULTS.shardSyncIntervalMs, unrefScheduler));
    const failed = (error: unknown): void => this.logger.warn({ stream: this.options.streamName, err: error }, 'listing shards failed; trying again later');
    return coalesced(asked, () => this.runSync(), failed)
      .pipe(takeUntil(abortOf(this.stopController.signal)))
      .subscribe();
  }

  private requestSync(): void {
    this.syncRequests.next();
  }

  private runSync(): Promise<void> {
    this.syncing = this.sync();
    return this.syncing;
  }

  /** Lists the shards and starts a reader for each one that is ready and not finished. */
  private async sync(): Promise<void> {
    const shards = await this.listShards().catch((error: unknown) => {
      throw new Error(`cannot list the shards of stream ${this.options.streamName}: ${(error as Error).message}`, { cause: error });
    });
    const checkpoints = await this.options.checkpoints.all().catch((error: unknown) => {
      throw new Error(`cannot read the checkpoints of stream ${this.options.streamName}: ${(error as Error).message}`, { cause: error });
    });
    const listed = new Set(shards.map((s) => s.ShardId as string));
    for (const shard of shards) {
      const id = shard.ShardId as string;
      if (checkpoints.get(id)?.kind === 'shard-end') this.finished.add(id);
    }
    for (const shard of shards) {
      const id = shard.ShardId as string;
      if (this.stopController.signal.aborted) return;
      if (this.finished.has(id) || this.running.has(id)) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined);
      const waitingFor = parents.filter((p) => listed.has(p) && !this.finished.has(p));
      if (waitingFor.length > 0) continue;
      this.startReader(shard, checkpoints.get(id));
    }
  }

  private startReader(shard: Shard, start: StoredCheckpoint | undefined): void {
    const id = shard.ShardId as string;
    const reader = new ShardReader(shard, start, {
      streamName: this.options.streamName,
      kinesis: this.options.kinesis,
      checkpoints: this.options.checkpoints,
      deps: this.options.deps,
      settings: this.settings,
      stopSignal: this.stopController.signal,
      abortSignal: this.abortController.signal,
      observer: {
        started: (shardId, from) => this.emit('shardStarted', { shardId, from }),
        batch: (info) => this.emit('batch', info),
        checkpointed: (shardId, position) => this.emit('checkpoint', { shardId, position }),
        caughtUp: (shardId) => this.emit('caughtUp', { shardId }),
      },
    });
    const done = reader.run().then(
      (end) => {
        this.running.delete(id);
        if (end !== 'stopped') {
          this.finished.add(id);
          this.requestSync(); // its children may be ready now
        }
        this.emit('shardFinished', { shardId: id, end });
      },
      (error: unknown) => {
        this.running.delete(id);
        this.logger.error({ shardId: id, err: error }, 'shard reader failed; stopping the local driver');
        this.emit('failed', { shardId: id, error });
        this.abort();
      },
    );
    this.running.set(id, { reader, done });
  }

  /** Paged by hand: the Kinesis SDK has no paginateListShards (a NextToken excludes the StreamName, which its paginators cannot say). */
  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      // With a NextToken, the stream name must not be given again.
      const input: ListShardsCommandInput = token === undefined ? { StreamName: this.options.streamName } : { NextToken: token };
      const page = await this.options.kinesis.send(new ListShardsCommand(input));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    return shards;
  }
}
