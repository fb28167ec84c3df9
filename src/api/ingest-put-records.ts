/**
 * Puts entries on a Kinesis stream with PutRecords, retrying what failed. A call can succeed and still
 * fail some of its entries (a shard over its write limit answers ProvisionedThroughputExceededException
 * for those entries only): those entries, and every entry of a call that failed transiently, are sent
 * again under the one retry policy (shared/retry.ts), until all are written or the attempts run out.
 * A call refused for good (a stream that does not exist, a denied permission) is not sent again. The
 * entries sent again are the same bytes, so an aggregated record is never re-cut.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { Logger } from '../core/ports';
import { backoffPolicy, isTransient, retrying } from '../shared/retry';

export interface PutEntry {
  data: Uint8Array;
  partitionKey: string;
}

export interface PutOutcome {
  /** Indices (into the entries given) still not written after every attempt. */
  failed: number[];
  /** Why the last attempt failed, for logs. */
  lastError: string | null;
  /** PutRecords calls made. */
  calls: number;
}

export interface PutRetryOptions {
  /** Rounds of PutRecords, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  logger: Logger;
}

/** PutRecords takes at most 500 entries and 5 MiB (data and partition keys) per call. */
export const MAX_CALL_ENTRIES = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;

export async function putWithRetries(client: KinesisClient, streamName: string, entries: readonly PutEntry[], options: PutRetryOptions): Promise<PutOutcome> {
  let pending = entries.map((_, i) => i);
  let lastError: string | null = null;
  let calls = 0;
  /** One round: every pending entry sent once; rejects unless all were written. */
  const round = async (): Promise<void> => {
    const failed: number[] = [];
    let refused: unknown;
    for (const chunk of chunks(pending, entries)) {
      const records: PutRecordsRequestEntry[] = chunk.map((i) => ({ Data: (entries[i] as PutEntry).data, PartitionKey: (entries[i] as PutEntry).partitionKey }));
      calls++;
      try {
        const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
        if ((out.FailedRecordCount ?? 0) === 0) continue;
        // An entry fails only with ProvisionedThroughputExceededException or InternalFailure: worth another round.
        out.Records?.forEach((result, j) => {
          if (result.ErrorCode !== undefined) {
            failed.push(chunk[j] as number);
            lastError = `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`;
          }
        });
      } catch (error) {
        failed.push(...chunk);
        lastError = (error as Error).message;
        if (!isTransient(error)) refused = error;
      }
    }
    pending = failed;
    if (pending.length > 0) throw refused ?? new Error(lastError ?? 'PutRecords entries failed');
  };
  const onRetry = (_error: unknown, next: { attempt: number }): void =>
    options.logger.warn({ stream: streamName, failed: pending.length, attempt: next.attempt, lastError }, 'PutRecords entries failed; retrying');
  // What is still pending once the rounds end is the outcome, not an exception.
  await retrying(round, backoffPolicy({ initialMs: options.baseDelayMs, maxMs: options.maxDelayMs }, options.attempts), { onRetry }).catch(() => undefined);
  return { failed: pending, lastError, calls };
}

function* chunks(indices: readonly number[], entries: readonly PutEntry[]): Generator<number[]> {
  let chunk: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const entry = entries[i] as PutEntry;
    const size = entry.data.byteLength + Buffer.byteLength(entry.partitionKey);
    if (chunk.length === MAX_CALL_ENTRIES || (chunk.length > 0 && bytes + size > MAX_CALL_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(i);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
