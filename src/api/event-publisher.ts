/**
 * Puts accepted events on the Kinesis stream, with as few writes as possible: a group commit.
 *
 * The events of concurrent requests are collected for at most `lingerMs` after the first of them
 * (or until a batch holds what one PutRecords call takes), then written together: the events of
 * each application packed into KPL-aggregated records (ingest-aggregate.ts), all of them in one
 * PutRecords call, failed entries retried (ingest-put-records.ts). Each request is answered once the
 * write that holds its events is done, with exactly the events of its own that failed.
 *
 * While `concurrentWrites` writes are in flight, the next batch waits and keeps growing: a slow stream
 * gets fewer, bigger writes rather than a queue of small ones (as the KPL does). Everything waiting or
 * in flight counts against `bufferBytes`; past it `publish` answers `overloaded` at once, without
 * taking the events, so memory stays bounded whatever the load.
 *
 * Why not rxjs's bufferTime: its windows tick at fixed intervals, whether or not anything came (a
 * timer running forever on an idle server, and two requests a moment apart may straddle a tick),
 * while a group commit's window opens with its first event; and mergeMap's queue would hold the
 * small batches that wait as they were, where merging them is the point.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { silentLogger, type Logger } from '../core/ports';
import { KINESIS_RECORD_BYTES, packRecords } from './ingest-aggregate';
import { MAX_CALL_BYTES, putWithRetries, type PutEntry } from './ingest-put-records';

export interface PublishOutcome {
  /** Indices (into the records given) that are not on the stream. */
  failed: number[];
  /** Why they are not, for logs. */
  lastError: string | null;
  /** True when nothing was taken because the buffer is full (then `failed` is every index). */
  overloaded?: boolean;
}

export interface EventPublisher {
  /**
   * Writes `records` with partition key `partitionKey`; resolves once every one is on the stream or
   * has failed. Never throws for a write failure: it reports it.
   */
  publish(partitionKey: string, records: readonly Uint8Array[]): Promise<PublishOutcome>;
  /** Counters for /metrics. */
  readonly stats?: PublisherStats;
}

export interface PublisherStats {
  /** PutRecords calls made (retries included). */
  putCalls: number;
  /** Kinesis records written: plain ones (one event) and aggregated ones (several). */
  plainRecords: number;
  aggregatedRecords: number;
  /** Events written to the stream. */
  events: number;
  /** Events refused at once because the buffer was full. */
  overloaded: number;
  /** Bytes of events taken and not yet written or failed. */
  bufferedBytes: number;
}

export interface PublisherOptions {
  /** Rounds of PutRecords, including the first. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  /** How long the first events of a batch wait for others to share their write, ms. */
  lingerMs?: number;
  /** Bytes of events waiting or being written beyond which new ones are refused. */
  bufferBytes?: number;
  /** Writes in flight at once. */
  concurrentWrites?: number;
  /** Largest Kinesis record made (data and partition key); Kinesis's limit by default. */
  maxRecordBytes?: number;
}

export const PUBLISHER_DEFAULTS = {
  lingerMs: 5,
  bufferBytes: 64 * 1024 * 1024,
  concurrentWrites: 4,
} as const;

interface Submission {
  partitionKey: string;
  records: readonly Uint8Array[];
  bytes: number;
  settle(outcome: PublishOutcome): void;
}

/** A batch cut smaller than this leaves room in one call for the aggregation envelopes and keys. */
const BATCH_BYTES = MAX_CALL_BYTES - 512 * 1024;

export class KinesisEventPublisher implements EventPublisher {
  readonly stats: PublisherStats = { putCalls: 0, plainRecords: 0, aggregatedRecords: 0, events: 0, overloaded: 0, bufferedBytes: 0 };
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger;
  readonly #lingerMs: number;
  readonly #bufferBytes: number;
  readonly #concurrentWrites: number;
  readonly #maxRecordBytes: number;
  /** Submissions not yet in a write, oldest first, and their bytes. */
  #waiting: Submission[] = [];
  #waitingBytes = 0;
  /** The waiting batch has lingered long enough, or is full: it goes as soon as a write slot is free. */
  #due = false;
  #timer: NodeJS.Timeout | undefined;
  #writing = 0;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    options: PublisherOptions = {},
  ) {
    this.#attempts = options.attempts ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 50;
    this.#maxDelayMs = options.maxDelayMs ?? 1000;
    this.#logger = options.logger ?? silentLogger;
    this.#lingerMs = options.lingerMs ?? PUBLISHER_DEFAULTS.lingerMs;
    this.#bufferBytes = options.bufferBytes ?? PUBLISHER_DEFAULTS.bufferBytes;
    this.#concurrentWrites = options.concurrentWrites ?? PUBLISHER_DEFAULTS.concurrentWrites;
    this.#maxRecordBytes = options.maxRecordBytes ?? KINESIS_RECORD_BYTES;
  }

  publish(partitionKey: string, records: readonly Uint8Array[]): Promise<PublishOutcome> {
    let bytes = 0;
    for (const r of records) bytes += r.byteLength;
    if (this.stats.bufferedBytes + bytes > this.#bufferBytes) {
      this.stats.overloaded += records.length;
      const lastError = `the ingest buffer is full (${this.stats.bufferedBytes} of ${this.#bufferBytes} bytes waiting for the stream)`;
      return Promise.resolve({ failed: records.map((_, i) => i), lastError, overloaded: true });
    }
    this.stats.bufferedBytes += bytes;
    return new Promise((settle) => {
      this.#waiting.push({ partitionKey, records, bytes, settle });
      this.#waitingBytes += bytes;
      if (this.#waitingBytes >= BATCH_BYTES) this.#markDue();
      else this.#timer ??= setTimeout(() => this.#markDue(), this.#lingerMs);
    });
  }

  #markDue(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = true;
    this.#startWrites();
  }

  /** Cuts due batches into writes while slots are free. */
  #startWrites(): void {
    while (this.#due && this.#writing < this.#concurrentWrites && this.#waiting.length > 0) {
      const batch = this.#cut();
      this.#writing++;
      void this.#write(batch)
        .catch((error: unknown) => this.#fail(batch, error))
        .finally(() => {
          this.#writing--;
          this.#startWrites();
        });
    }
  }

  /** A write that threw (a bug, not a refusal of the stream): its requests are answered, not left hanging. */
  #fail(batch: readonly Submission[], error: unknown): void {
    this.#logger.error({ err: error, stream: this.streamName }, 'writing a batch of events failed');
    for (const submission of batch) {
      this.stats.bufferedBytes -= submission.bytes;
      submission.settle({ failed: submission.records.map((_, i) => i), lastError: (error as Error).message });
    }
  }

  /** The oldest waiting submissions, up to what one call takes (at least one). */
  #cut(): Submission[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#waiting.length && (n === 0 || bytes + (this.#waiting[n] as Submission).bytes <= BATCH_BYTES)) {
      bytes += (this.#waiting[n] as Submission).bytes;
      n++;
    }
    const batch = this.#waiting.splice(0, n);
    this.#waitingBytes -= bytes;
    // What is left (more than one call takes) has waited as long as what went: it goes next.
    this.#due = this.#waiting.length > 0;
    return batch;
  }

  async #write(batch: readonly Submission[]): Promise<void> {
    // The events of each application, in order of arrival, and for each the submission it came from.
    const byKey = new Map<string, { records: Uint8Array[]; from: Array<[Submission, number]> }>();
    for (const submission of batch) {
      let group = byKey.get(submission.partitionKey);
      if (group === undefined) byKey.set(submission.partitionKey, (group = { records: [], from: [] }));
      submission.records.forEach((record, index) => {
        group.records.push(record);
        group.from.push([submission, index]);
      });
    }
    const entries: PutEntry[] = [];
    const covers: Array<Array<[Submission, number]>> = [];
    for (const [partitionKey, group] of byKey) {
      for (const packed of packRecords(partitionKey, group.records, this.#maxRecordBytes)) {
        entries.push({ data: packed.data, partitionKey });
        covers.push(group.from.slice(packed.first, packed.first + packed.count));
      }
    }

    const outcome = await putWithRetries(this.client, this.streamName, entries, {
      attempts: this.#attempts,
      baseDelayMs: this.#baseDelayMs,
      maxDelayMs: this.#maxDelayMs,
      logger: this.#logger,
    });

    const failedEvents = new Map<Submission, number[]>();
    for (const entry of outcome.failed) {
      for (const [submission, index] of covers[entry] as Array<[Submission, number]>) {
        let failed = failedEvents.get(submission);
        if (failed === undefined) failedEvents.set(submission, (failed = []));
        failed.push(index);
      }
    }
    const failedEntries = new Set(outcome.failed);
    this.stats.putCalls += outcome.calls;
    covers.forEach((events, i) => {
      if (failedEntries.has(i)) return;
      if (events.length === 1) this.stats.plainRecords++;
      else this.stats.aggregatedRecords++;
      this.stats.events += events.length;
    });
    for (const submission of batch) {
      this.stats.bufferedBytes -= submission.bytes;
      const failed = (failedEvents.get(submission) ?? []).sort((a, b) => a - b);
      submission.settle({ failed, lastError: failed.length === 0 ? null : outcome.lastError });
    }
  }
}
