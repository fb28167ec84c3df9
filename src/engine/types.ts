import type { DeadLetter } from '../core/ports';
import type { SecurityResponse } from '../core/response';

/** One Kinesis record as both drivers hand it to the engine. */
export interface ShardRecord {
  data: Uint8Array;
  /** Decimal string of up to 128 bits: never a JavaScript number. */
  sequenceNumber: string;
  /** Position inside a KPL-aggregated record; 0 otherwise. */
  subSequenceNumber?: number;
  /** When Kinesis received the record (epoch ms). */
  arrivalTime?: number;
  partitionKey?: string;
}

/** Bytes of a dead-lettered record kept in its letter: enough to recognise it. */
const PREVIEW_BYTES = 256;

/** The dead letter of a record that cannot be used, whoever refused it (the engine or a driver). */
export function deadLetterOf(shardId: string, record: ShardRecord, reason: string): DeadLetter {
  const { data } = record;
  return {
    shardId,
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: record.subSequenceNumber ?? 0,
    partitionKey: record.partitionKey,
    reason,
    size: data.byteLength,
    preview: Buffer.from(data.buffer, data.byteOffset, Math.min(PREVIEW_BYTES, data.byteLength)).toString('base64'),
  };
}

/** A checkpoint: everything up to and including this record is done. */
export interface Position {
  sequenceNumber: string;
  subSequenceNumber: number;
}

export function samePosition(a: Position, b: Position | null): boolean {
  return b !== null && a.sequenceNumber === b.sequenceNumber && a.subSequenceNumber === b.subSequenceNumber;
}

export interface BatchOutcome {
  /** Responses to write, in the order they were decided. */
  responses: SecurityResponse[];
  /** Records that could not be used, to be kept for inspection. */
  deadLetters: DeadLetter[];
  /**
   * The position that is safe to checkpoint once `responses` and `deadLetters` (and those of every
   * earlier batch) are durable, or null when it has not moved. Replaying from it rebuilds the same
   * windows.
   */
  checkpoint: Position | null;
}
