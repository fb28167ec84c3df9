/**
 * The Kinesis stream Riposte reads, created like the tables (src/aws/tables.ts): by `riposte init`
 * on AWS, by `riposte start` on its embedded Kinesis, by tests on kinesalite. Idempotent.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { waitUntil } from './wait';

export interface StreamState {
  outcome: 'created' | 'exists';
  /** Open shards once the stream is active. */
  openShards: number;
}

const POLL_MS = 250;
const MAX_WAIT_MS = 5 * 60_000;

/** Creates the stream with `shardCount` shards unless it exists, and waits until it is active. */
export async function ensureStream(client: KinesisClient, streamName: string, shardCount: number): Promise<StreamState> {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`shard count ${shardCount} is not allowed; expected a whole number >= 1`);
  let outcome: StreamState['outcome'] = 'exists';
  if ((await describe(client, streamName)) === undefined) {
    try {
      await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
      outcome = 'created';
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error; // created meanwhile by another process
    }
  }
  const summary = await waitUntil(() => describe(client, streamName), (s) => s?.StreamStatus === 'ACTIVE', {
    pollMs: POLL_MS,
    timeoutMs: MAX_WAIT_MS,
    notReady: (s) => `stream ${streamName} is still ${s?.StreamStatus ?? 'missing'}`,
  });
  return { outcome, openShards: summary?.OpenShardCount ?? 0 };
}

async function describe(client: KinesisClient, streamName: string) {
  try {
    return (await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
