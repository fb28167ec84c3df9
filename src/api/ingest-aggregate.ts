/**
 * Packs the events of one application into KPL-aggregated Kinesis records: the format of the Kinesis
 * Producer Library, which every KCL consumer unpacks (the local driver and `riposte kcl` too, with
 * aws-kinesis-agg), each user record keeping its own sub-sequence number.
 *
 * Why: a shard takes 1,000 records/s and 1 MiB/s, and bills a PUT payload unit per 25 KB of each
 * record. One event per record caps an application (partition key = application) at 1,000 events/s
 * and pays a unit per event; packed, the byte limit is the only one left.
 *
 * The format: the magic number f3 89 9a c2, then a protobuf `AggregatedRecord`
 *   { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *     repeated Record records = 3 }, Record { required uint64 partition_key_index = 1;
 *     optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4 }
 * then the MD5 of the protobuf bytes. All the records here share one partition key (the
 * application), so the message is small enough to write by hand in one buffer: aws-kinesis-agg's own
 * RecordAggregator builds it through protobufjs with a object per record, and keeps its key table in
 * a plain object, which an application named `hasOwnProperty` breaks. The test checks that both
 * produce the same bytes.
 */
import { createHash } from 'node:crypto';
import { KINESIS_RECORD_BYTES } from '../aws/stream';

export { KINESIS_RECORD_BYTES };

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_BYTES = 16;

/** One Kinesis record made of `records[first .. first + count)`. */
export interface PackedRecord {
  data: Buffer;
  first: number;
  count: number;
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

/** The bytes of a Record message: partition key index 0, then the data. */
function innerBytes(dataBytes: number): number {
  return 2 + 1 + varintBytes(dataBytes) + dataBytes;
}

/** What one user record adds to the aggregated record: its field tag, its length, its message. */
function entryBytes(dataBytes: number): number {
  const inner = innerBytes(dataBytes);
  return 1 + varintBytes(inner) + inner;
}

/** One aggregated record of `records[first .. end)`, whose protobuf takes `protoBytes`. */
function encode(partitionKey: Buffer, records: readonly Uint8Array[], first: number, end: number, protoBytes: number): Buffer {
  const out = Buffer.allocUnsafe(KPL_MAGIC.length + protoBytes + MD5_BYTES);
  KPL_MAGIC.copy(out, 0);
  let at = KPL_MAGIC.length;
  out[at++] = 0x0a; // field 1, length-delimited: the partition key table's only entry
  at = writeVarint(out, at, partitionKey.length);
  at += partitionKey.copy(out, at);
  for (let i = first; i < end; i++) {
    const data = records[i] as Uint8Array;
    out[at++] = 0x1a; // field 3, length-delimited: a Record
    at = writeVarint(out, at, innerBytes(data.byteLength));
    out[at++] = 0x08; // field 1, varint: partition_key_index
    out[at++] = 0x00; // = 0
    out[at++] = 0x1a; // field 3, length-delimited: data
    at = writeVarint(out, at, data.byteLength);
    out.set(data, at);
    at += data.byteLength;
  }
  const protoStart = KPL_MAGIC.length;
  createHash('md5').update(out.subarray(protoStart, at)).digest().copy(out, at);
  return out;
}

/**
 * `records` (the events of one application, in order) as few Kinesis records as fit: each at most
 * `maxRecordBytes` with its partition key. A lone event goes as a plain record: the envelope and the
 * consumer's unpacking would buy nothing.
 */
export function packRecords(partitionKey: string, records: readonly Uint8Array[], maxRecordBytes: number = KINESIS_RECORD_BYTES): PackedRecord[] {
  const key = Buffer.from(partitionKey, 'utf8');
  const fixed = KPL_MAGIC.length + MD5_BYTES + key.length; // the envelope, and the key Kinesis counts
  const keyTable = 1 + varintBytes(key.length) + key.length;
  const packed: PackedRecord[] = [];
  let first = 0;
  let protoBytes = keyTable;
  const close = (end: number): void => {
    const count = end - first;
    const data = count === 1 ? Buffer.from(records[first] as Uint8Array) : encode(key, records, first, end, protoBytes);
    packed.push({ data, first, count });
    first = end;
    protoBytes = keyTable;
  };
  for (let i = 0; i < records.length; i++) {
    const size = entryBytes((records[i] as Uint8Array).byteLength);
    if (i > first && fixed + protoBytes + size > maxRecordBytes) close(i);
    protoBytes += size;
  }
  if (first < records.length) close(records.length);
  return packed;
}
