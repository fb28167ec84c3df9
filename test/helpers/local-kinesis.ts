/**
 * kinesalite started in-process on a free port, with Kinesis clients pointed at it, streams created
 * as `riposte init` creates them, and events put as the ingest API puts them (partition key = the
 * application id).
 */
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createKinesisClient, type ClientOverrides } from '../../src/aws/clients';
import { ensureStream } from '../../src/aws/stream';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalKinesis {
  endpoint: string;
  client(overrides?: ClientOverrides): KinesisClient;
  /** Creates a stream with a fresh name and `shards` shards; returns the name. */
  stream(shards: number): Promise<string>;
  close(): Promise<void>;
}

let streamCounter = 0;

export async function startLocalKinesis(): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 50, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: KinesisClient[] = [];
  const client = (overrides: ClientOverrides = {}): KinesisClient => {
    const c = createKinesisClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...overrides });
    clients.push(c);
    return c;
  };
  const admin = client();
  return {
    endpoint,
    client,
    async stream(shards) {
      const name = `events-${process.pid}-${++streamCounter}`;
      await ensureStream(admin, name, shards);
      return name;
    },
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
