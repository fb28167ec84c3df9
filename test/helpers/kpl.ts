/** KPL-style aggregated records, made with aws-kinesis-agg's RecordAggregator (the KPL's format). */
import * as agg from 'aws-kinesis-agg';
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

interface Aggregator {
  addUserRecord(record: { partitionKey: string; data: Buffer }): void;
  build(): { partitionKey: string; data: Buffer };
}
const { RecordAggregator } = agg as unknown as { RecordAggregator: new () => Aggregator };

/** Packs events `perRecord` at a time into aggregated Kinesis records (partition key = the first event's appId). */
export function aggregatedEntries(events: readonly { appId: string }[], perRecord: number): PutRecordsRequestEntry[] {
  const entries: PutRecordsRequestEntry[] = [];
  for (let i = 0; i < events.length; i += perRecord) {
    const aggregator = new RecordAggregator();
    for (const e of events.slice(i, i + perRecord)) aggregator.addUserRecord({ partitionKey: e.appId, data: Buffer.from(JSON.stringify(e)) });
    const built = aggregator.build();
    entries.push({ Data: built.data, PartitionKey: built.partitionKey });
  }
  return entries;
}

/** An aggregated record whose checksum does not match its contents. */
export function corruptAggregated(entry: PutRecordsRequestEntry): PutRecordsRequestEntry {
  const data = Buffer.from(entry.Data as Uint8Array);
  data[data.length - 1] = (data[data.length - 1] as number) ^ 0xff;
  return { ...entry, Data: data };
}
