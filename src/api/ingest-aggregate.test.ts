/** KPL aggregation on the producer side, checked against aws-kinesis-agg (the consumers' unpacker). */
import * as agg from 'aws-kinesis-agg';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { unpack } from '../drivers/local/unpack';
import { loginFailure, times } from '../testing/factories';
import { KINESIS_RECORD_BYTES, packRecords } from './ingest-aggregate';

interface Aggregator {
  addUserRecord(record: { partitionKey: string; data: Buffer }): void;
  build(): { partitionKey: string; data: Buffer };
}
const { RecordAggregator } = agg as unknown as { RecordAggregator: new () => Aggregator };

const events = (n: number, size = 0) => times(n, (i) => Buffer.from(JSON.stringify({ ...loginFailure({ ip: `10.0.0.${i % 250}`, at: i }), pad: 'x'.repeat(size) })));

/** What a consumer reads from packed records: every user record, with its position. */
function consume(partitionKey: string, data: readonly Buffer[]) {
  const records: KinesisRecord[] = data.map((d, i) => ({ Data: d, SequenceNumber: String(1000 + i), PartitionKey: partitionKey }));
  return unpack('shard-0', records, null);
}

describe('packRecords', () => {
  test('an aggregated record is byte for byte what aws-kinesis-agg builds for the same events', () => {
    const records = events(25);
    const aggregator = new RecordAggregator();
    for (const data of records) aggregator.addUserRecord({ partitionKey: 'shop', data });
    const [packed] = packRecords('shop', records);
    expect(packed?.count).toBe(25);
    expect(packed?.data.equals(aggregator.build().data)).toBe(true);
  });

  test.each([
    ['one event goes as a plain record', 1, [1]],
    ['two events share one aggregated record', 2, [2]],
    ['five hundred events of 400 bytes fit in one record', 500, [500]],
  ])('%s', (_name, n, counts) => {
    const packed = packRecords('shop', events(n));
    expect(packed.map((p) => p.count)).toEqual(counts);
  });

  test('the consumer gets every event back, in order, each with its sub-sequence number', () => {
    const records = events(40);
    const packed = packRecords('shop', records, 4096);
    expect(packed.length).toBeGreaterThan(1);
    const out = consume('shop', packed.map((p) => p.data));
    expect(out.rejected).toEqual([]);
    expect(out.records.map((r) => Buffer.from(r.data).toString())).toEqual(records.map((r) => r.toString()));
    const expected = packed.flatMap((p, i) => times(p.count, (j) => [String(1000 + i), p.count === 1 ? 0 : j]));
    expect(out.records.map((r) => [r.sequenceNumber, r.subSequenceNumber])).toEqual(expected);
  });

  test.each([
    ['small limit', 4096],
    ['a megabyte of 30 KB events', KINESIS_RECORD_BYTES],
  ])('no record is larger than the limit with its partition key (%s)', (_name, limit) => {
    const records = events(limit === KINESIS_RECORD_BYTES ? 100 : 60, limit === KINESIS_RECORD_BYTES ? 30_000 : 0);
    const key = 'an-application-with-a-long-name';
    const packed = packRecords(key, records, limit);
    for (const p of packed) expect(p.data.byteLength + key.length).toBeLessThanOrEqual(limit);
    // Full: the next event would not have fitted.
    for (const p of packed.slice(0, -1)) expect(packRecords(key, records.slice(p.first, p.first + p.count + 1), limit)).toHaveLength(2);
    expect(packed.reduce((n, p) => n + p.count, 0)).toBe(records.length);
  });

  test('an application named like an Object method packs like any other', () => {
    const packed = packRecords('hasOwnProperty', events(3));
    const out = consume('hasOwnProperty', packed.map((p) => p.data));
    expect(out.records.map((r) => r.partitionKey)).toEqual(['hasOwnProperty', 'hasOwnProperty', 'hasOwnProperty']);
  });
});
