/**
 * Kinesis records → the records the engine reads. A producer using the KPL packs many user records
 * into one Kinesis record (protobuf, with a magic prefix and an MD5 checksum); they are unpacked
 * with `aws-kinesis-agg`, each keeping the Kinesis record's sequence number and its index as the
 * sub-sequence number — as the KCL delivers them. A plain record costs a 4-byte comparison.
 *
 * A packed record that does not unpack (bad checksum, bad protobuf) is dead-lettered whole.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { deaggregateSync } from 'aws-kinesis-agg';
import type { DeadLetter } from '../../core/ports';
import { deadLetterOf, type ShardRecord } from '../../engine/types';

/** The KPL's magic number, the first four bytes of an aggregated record. */
const MAGIC = [0xf3, 0x89, 0x9a, 0xc2] as const;

export interface Unpacked {
  records: ShardRecord[];
  rejected: DeadLetter[];
  /** For each aggregated Kinesis record: its sequence number and its last sub-sequence number. */
  aggregated: Array<{ sequenceNumber: string; lastSubSequenceNumber: number }>;
}

function isAggregated(data: Uint8Array): boolean {
  return data.byteLength > 20 && data[0] === MAGIC[0] && data[1] === MAGIC[1] && data[2] === MAGIC[2] && data[3] === MAGIC[3];
}

/**
 * Unpacks `records` in order. User records at or before `skipThrough` (same sequence number, a
 * sub-sequence number up to its own) are left out: they were processed before a restart.
 */
export function unpack(shardId: string, records: readonly KinesisRecord[], skipThrough: { sequenceNumber: string; subSequenceNumber: number } | null): Unpacked {
  const out: Unpacked = { records: [], rejected: [], aggregated: [] };
  for (const record of records) {
    const data = record.Data ?? new Uint8Array(0);
    const sequenceNumber = record.SequenceNumber as string;
    const arrivalTime = record.ApproximateArrivalTimestamp?.getTime();
    const partitionKey = record.PartitionKey;
    const skipUpTo = skipThrough !== null && skipThrough.sequenceNumber === sequenceNumber ? skipThrough.subSequenceNumber : -1;
    if (!isAggregated(data)) {
      if (skipUpTo < 0) out.records.push({ data, sequenceNumber, subSequenceNumber: 0, arrivalTime, partitionKey });
      continue;
    }
    const unpacked = deaggregate(data, sequenceNumber, partitionKey);
    if (typeof unpacked === 'string') {
      if (skipUpTo < 0) out.rejected.push(deadLetterOf(shardId, { data, sequenceNumber, partitionKey }, `KPL-aggregated record cannot be unpacked: ${unpacked}`));
      continue;
    }
    out.aggregated.push({ sequenceNumber, lastSubSequenceNumber: unpacked.length - 1 });
    for (let i = 0; i < unpacked.length; i++) {
      if (i <= skipUpTo) continue;
      const user = unpacked[i] as { data: string; partitionKey: string };
      out.records.push({ data: Buffer.from(user.data, 'base64'), sequenceNumber, subSequenceNumber: i, arrivalTime, partitionKey: user.partitionKey ?? partitionKey });
    }
  }
  return out;
}

function deaggregate(data: Uint8Array, sequenceNumber: string, partitionKey: string | undefined): Array<{ data: string; partitionKey: string }> | string {
  let result: Array<{ data: string; partitionKey: string }> | string = 'no user records';
  let failed = false;
  try {
    deaggregateSync(
      { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'), partitionKey, sequenceNumber } as never,
      true,
      (error: Error | null, userRecords?: Array<{ data: string; partitionKey: string }>) => {
        // The library reports a bad user record, then calls again without an error: the first word stands.
        if (failed) return;
        failed = Boolean(error);
        result = error ? error.message : (userRecords ?? []);
      },
    );
  } catch (error) {
    result = (error as Error).message;
  }
  return result;
}
