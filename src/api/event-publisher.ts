/**
 * Puts accepted events on the Kinesis stream. PutRecords can succeed as a call and still fail some of
 * its entries (a shard over its write limit answers ProvisionedThroughputExceededException for those
 * entries only): those entries, and every entry of a call that failed outright, are sent again with
 * jittered exponential backoff (drivers/backoff), until all are written or the attempts run out.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { silentLogger, type Logger } from '../core/ports';
import { Backoff, sleep } from '../drivers/backoff';

export interface PublishOutcome {
  /** Indices (into the records given) that are still not written after every attempt. */
  failed: number[];
  /** Why the last attempt failed, for logs. */
  lastError: string | null;
}

export interface EventPublisher {
  /** Writes `records` with partition key `partitionKey`; never throws for a write failure, reports it. */
  publish(partitionKey: string, records: readonly Uint8Array[]): Promise<PublishOutcome>;
}

export interface PublisherOptions {
  /** Rounds of PutRecords, including the first. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
}

/** PutRecords takes at most 500 entries and 5 MiB per call. */
const MAX_ENTRIES = 500;
const MAX_CALL_BYTES = 5 * 1024 * 1024;

export class KinesisEventPublisher implements EventPublisher {
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger;

  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
    options: PublisherOptions = {},
  ) {
    this.#attempts = options.attempts ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 50;
    this.#maxDelayMs = options.maxDelayMs ?? 1000;
    this.#logger = options.logger ?? silentLogger;
  }

  async publish(partitionKey: string, records: readonly Uint8Array[]): Promise<PublishOutcome> {
    let pending = records.map((_, i) => i);
    let lastError: string | null = null;
    const backoff = new Backoff({ initialMs: this.#baseDelayMs, maxMs: this.#maxDelayMs });
    for (let attempt = 1; pending.length > 0; attempt++) {
      const failed: number[] = [];
      for (const chunk of chunks(pending, records, partitionKey)) {
        const entries: PutRecordsRequestEntry[] = chunk.map((i) => ({ Data: records[i], PartitionKey: partitionKey }));
        try {
          const out = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: entries }));
          if ((out.FailedRecordCount ?? 0) === 0) continue;
          out.Records?.forEach((result, j) => {
            if (result.ErrorCode !== undefined) {
              failed.push(chunk[j] as number);
              lastError = `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`;
            }
          });
        } catch (error) {
          failed.push(...chunk);
          lastError = (error as Error).message;
        }
      }
      pending = failed;
      if (pending.length === 0 || attempt >= this.#attempts) break;
      this.#logger.warn({ partitionKey, failed: pending.length, attempt, lastError }, 'PutRecords entries failed; retrying');
      await sleep(backoff.next());
    }
    return { failed: pending, lastError };
  }
}

function* chunks(indices: readonly number[], records: readonly Uint8Array[], partitionKey: string): Generator<number[]> {
  let chunk: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const size = (records[i] as Uint8Array).byteLength + Buffer.byteLength(partitionKey);
    if (chunk.length === MAX_ENTRIES || (chunk.length > 0 && bytes + size > MAX_CALL_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(i);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
