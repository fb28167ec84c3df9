/**
 * kinesalite started in-process on a free port, with Kinesis clients pointed at it, streams created
 * as `riposte init` creates them, events put as the ingest API puts them (partition key = the
 * application id), and everything on a stream read back.
 */
import kinesalite from 'kinesalite';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/clients';
import { ensureStream } from '../../src/aws/stream';
import { unpack } from '../../src/drivers/local/unpack';
import { serveLocally, type LocalServer } from './local-server';

export { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-server';

export interface LocalKinesis extends LocalServer<KinesisClient> {
  /** Creates a stream with a fresh name and `shards` shards; returns the name. */
  stream(shards: number): Promise<string>;
}

let streamCounter = 0;

export async function startLocalKinesis(): Promise<LocalKinesis> {
  const local = await serveLocally(kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 50, shardLimit: 100 }), createKinesisClient);
  const admin = local.client();
  return {
    ...local,
    async stream(shards) {
      const name = `events-${process.pid}-${++streamCounter}`;
      await ensureStream(admin, name, shards);
      return name;
    },
  };
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
}

/** Puts records in order, 500 per PutRecords call; returns where each one landed. */
export async function putRecords(client: KinesisClient, streamName: string, entries: readonly PutRecordsRequestEntry[]): Promise<PutResult[]> {
  const results: PutResult[] = [];
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: chunk }));
    if ((out.FailedRecordCount ?? 0) > 0) throw new Error(`kinesalite refused ${out.FailedRecordCount} records`);
    for (const r of out.Records ?? []) results.push({ shardId: r.ShardId as string, sequenceNumber: r.SequenceNumber as string });
  }
  return results;
}

/** The last sequence number put on each shard. */
export function lastPerShard(results: readonly PutResult[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const r of results) last.set(r.shardId, r.sequenceNumber);
  return last;
}

/** Events as the ingest API writes them: JSON, partition key = appId. */
export function eventEntries(events: readonly { appId: string }[]): PutRecordsRequestEntry[] {
  return events.map((e) => ({ Data: Buffer.from(JSON.stringify(e)), PartitionKey: e.appId }));
}

export interface StreamRecord {
  shardId: string;
  partitionKey: string;
  data: Buffer;
  /** The Kinesis record's, shared by the user records of an aggregated one. */
  sequenceNumber: string;
  /** The user record's place in its aggregated Kinesis record (0 in a plain one). */
  subSequenceNumber: number;
  /** Whether it came in a KPL-aggregated Kinesis record. */
  aggregated: boolean;
}

/**
 * Every user record currently on the stream, shard by shard, oldest first: KPL-aggregated Kinesis
 * records are unpacked as the consumers unpack them (src/drivers/local/unpack.ts).
 */
export async function readStream(client: KinesisClient, name: string): Promise<StreamRecord[]> {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: name }));
  const records: StreamRecord[] = [];
  for (const shard of Shards) {
    const shardId = shard.ShardId as string;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const unpacked = unpack(shardId, page.Records ?? [], null);
      if (unpacked.rejected.length > 0) throw new Error(`records on ${shardId} do not unpack: ${unpacked.rejected.map((r) => r.reason).join('; ')}`);
      const aggregated = new Set(unpacked.aggregated.map((a) => a.sequenceNumber));
      for (const r of unpacked.records) {
        records.push({
          shardId,
          partitionKey: r.partitionKey as string,
          data: Buffer.from(r.data),
          sequenceNumber: r.sequenceNumber,
          subSequenceNumber: r.subSequenceNumber ?? 0,
          aggregated: aggregated.has(r.sequenceNumber),
        });
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
