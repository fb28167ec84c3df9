/**
 * The MultilangDaemon's messages, as the Java daemon writes them (../shared/KCL-NOTES.md; in
 * awslabs/amazon-kinesis-client, amazon-kinesis-client-multilang/src/main/java/software/amazon/
 * kinesis/multilang/messages/*.java), and the two the child may send back.
 *
 * Parsing is lenient where the daemon may write null (Jackson writes every field) and strict where a
 * wrong value would corrupt a checkpoint: a sequence number is a decimal string, never a number.
 * A line that is not a message is described, not thrown: the protocol driver logs it and goes on;
 * a known action with a bad field is still delivered (and answered), with the problem named.
 */
import type { Position } from '../../engine/types';

/** One record of `processRecords` (JsonFriendlyRecord.java). */
export interface DaemonRecord {
  /** base64; null when the record had no data. */
  data: string | null;
  partitionKey: string | null;
  sequenceNumber: string;
  /** Epoch ms. */
  approximateArrivalTimestamp: number | null;
  subSequenceNumber: number | null;
}

export type DaemonMessage =
  | { action: 'initialize'; shardId: string; sequenceNumber: string | null; subSequenceNumber: number | null }
  | { action: 'processRecords'; records: DaemonRecord[]; millisBehindLatest: number | null; malformed: MalformedRecord[] }
  | { action: 'leaseLost' }
  | { action: 'shardEnded' }
  | { action: 'shutdownRequested' }
  /** The KCL 1.x form of leaseLost/shardEnded (ShutdownMessage.java); reason TERMINATE or ZOMBIE. */
  | { action: 'shutdown'; reason: string | null }
  /** The daemon's answer to a checkpoint request (CheckpointMessage.java). */
  | { action: 'checkpoint'; sequenceNumber: string | null; subSequenceNumber: number | null; error: string | null };

export type DaemonAction = DaemonMessage['action'];

/** A record of `processRecords` that cannot be used, with the reason and its index in the batch. */
export interface MalformedRecord {
  index: number;
  reason: string;
  /** The sequence number, when the record had a usable one. */
  sequenceNumber?: string;
}

export type ParsedLine =
  /**
   * A message this child knows. `problems` lists fields that were not as the daemon writes them and
   * were replaced by a safe value: the action is still answered, since the daemon waits for it.
   */
  | { kind: 'message'; message: DaemonMessage; problems: string[] }
  /** Valid JSON with an `action` this child does not know: answered with a status, so the daemon does not wait forever. */
  | { kind: 'unknown-action'; action: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'empty' };

/** Kinesis: `0|([1-9]\d{0,128})`; in practice 56 digits. */
const SEQUENCE = /^\d{1,129}$/;
/** Positions the KCL passes in `initialize` instead of a sequence number. */
const SENTINELS = new Set(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END']);

export function parseDaemonLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', reason: `not JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'invalid', reason: 'not a JSON object' };
  const o = value as Record<string, unknown>;
  if (typeof o.action !== 'string') return { kind: 'invalid', reason: `"action" is ${describe(o.action)}, expected a string` };
  switch (o.action) {
    case 'initialize': {
      const problems: string[] = [];
      let shardId = 'unknown-shard';
      if (typeof o.shardId === 'string' && o.shardId !== '') shardId = o.shardId;
      else problems.push(`"shardId" is ${describe(o.shardId)}, expected a shard id`);
      let sequenceNumber = optionalString(o.sequenceNumber);
      const given = o.sequenceNumber !== null && o.sequenceNumber !== undefined;
      if (given && (sequenceNumber === null || (!SEQUENCE.test(sequenceNumber) && !SENTINELS.has(sequenceNumber)))) {
        problems.push(`"sequenceNumber" is ${describe(o.sequenceNumber)}, expected a decimal string or ${[...SENTINELS].join(', ')}`);
        sequenceNumber = null;
      }
      return { kind: 'message', problems, message: { action: 'initialize', shardId, sequenceNumber, subSequenceNumber: optionalCount(o.subSequenceNumber) } };
    }
    case 'processRecords': {
      const problems: string[] = [];
      const records: DaemonRecord[] = [];
      const malformed: MalformedRecord[] = [];
      if (Array.isArray(o.records)) {
        o.records.forEach((r: unknown, index) => {
          const parsed = parseRecord(r);
          if (typeof parsed === 'string') malformed.push({ index, reason: parsed, ...sequenceOf(r) });
          else records.push(parsed);
        });
      } else {
        problems.push(`"records" is ${describe(o.records)}, expected an array`);
      }
      const behind = o.millisBehindLatest;
      return {
        kind: 'message',
        problems,
        message: { action: 'processRecords', records, malformed, millisBehindLatest: typeof behind === 'number' && Number.isFinite(behind) ? behind : null },
      };
    }
    case 'leaseLost':
    case 'shardEnded':
    case 'shutdownRequested':
      return { kind: 'message', problems: [], message: { action: o.action } };
    case 'shutdown':
      return { kind: 'message', problems: [], message: { action: 'shutdown', reason: optionalString(o.reason) } };
    case 'checkpoint':
      return {
        kind: 'message',
        problems: [],
        message: { action: 'checkpoint', sequenceNumber: optionalString(o.sequenceNumber), subSequenceNumber: optionalCount(o.subSequenceNumber), error: optionalString(o.error) },
      };
    default:
      return { kind: 'unknown-action', action: o.action };
  }
}

function parseRecord(r: unknown): DaemonRecord | string {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return `record is ${describe(r)}, expected an object`;
  const o = r as Record<string, unknown>;
  if (typeof o.sequenceNumber !== 'string' || !SEQUENCE.test(o.sequenceNumber)) {
    return `"sequenceNumber" is ${describe(o.sequenceNumber)}, expected a decimal string`;
  }
  if (o.data !== null && o.data !== undefined && typeof o.data !== 'string') return `"data" is ${describe(o.data)}, expected base64 text`;
  const arrival = o.approximateArrivalTimestamp;
  return {
    data: (o.data as string | null | undefined) ?? null,
    partitionKey: optionalString(o.partitionKey),
    sequenceNumber: o.sequenceNumber,
    approximateArrivalTimestamp: typeof arrival === 'number' && Number.isFinite(arrival) ? arrival : null,
    subSequenceNumber: optionalCount(o.subSequenceNumber),
  };
}

function sequenceOf(r: unknown): { sequenceNumber?: string } {
  const s = (r as { sequenceNumber?: unknown } | null)?.sequenceNumber;
  return typeof s === 'string' && SEQUENCE.test(s) ? { sequenceNumber: s } : {};
}

function optionalString(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function optionalCount(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// Child → daemon. Exactly these keys: the daemon's Jackson mapper refuses a message with any other,
// and then waits forever for the reply it expected.

export function statusMessage(responseFor: string): string {
  return JSON.stringify({ action: 'status', responseFor });
}

/** A checkpoint request at `position`, or at the end of the shard when null. */
export function checkpointMessage(position: Position | null): string {
  if (position === null) return JSON.stringify({ action: 'checkpoint', sequenceNumber: null });
  return JSON.stringify({ action: 'checkpoint', sequenceNumber: position.sequenceNumber, subSequenceNumber: position.subSequenceNumber });
}

/**
 * Checkpoint errors as the KCL names them (the Java exception's simple name), and what the child
 * does about each (RecordProcessorCheckpointer's documented exceptions).
 */
export type CheckpointErrorKind = 'retry-later' | 'lease-gone' | 'bad-position' | 'unknown';

export function classifyCheckpointError(error: string): CheckpointErrorKind {
  switch (error) {
    case 'ThrottlingException':
    case 'KinesisClientLibDependencyException':
      return 'retry-later';
    case 'ShutdownException':
    case 'InvalidStateException':
      return 'lease-gone';
    case 'IllegalArgumentException':
      return 'bad-position';
    default:
      return 'unknown';
  }
}
