/**
 * kinesalite started in-process on a free port, for tests and benchmarks: the real Kinesis protocol,
 * in memory, gone when stopped; and helpers to create a stream and read back everything on it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/clients';

type ServerFactory = (options: Record<string, unknown>) => Server;

export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

const LOCAL = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

async function listen(server: Server): Promise<Emulator> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startKinesalite(): Promise<Emulator & { client: KinesisClient }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as ServerFactory;
  const emulator = await listen(kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }));
  const client = createKinesisClient({ endpoint: emulator.endpoint, ...LOCAL });
  return {
    ...emulator,
    client,
    stop: async () => {
      client.destroy();
      await emulator.stop();
    },
  };
}

export async function createStream(client: KinesisClient, name: string, shards = 1): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`stream ${name} did not become active`);
}

export interface StreamRecord {
  shardId: string;
  partitionKey: string;
  data: Buffer;
}

/** Every record currently on the stream, shard by shard, oldest first. */
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
      for (const r of page.Records ?? []) records.push({ shardId, partitionKey: r.PartitionKey as string, data: Buffer.from(r.Data as Uint8Array) });
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
