/**
 * The Kinesis stream Riposte reads, created like the tables (src/aws/tables.ts): by `riposte init`
 * on AWS, by `riposte start` on its embedded Kinesis, by tests on kinesalite. Idempotent.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilStreamExists,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

export interface StreamState {
  outcome: 'created' | 'exists';
  /** Open shards once the stream is active. */
  openShards: number;
}

/** Kinesis's limit for one record: its data and its partition key. */
export const KINESIS_RECORD_BYTES = 1024 * 1024;

/** The SDK waiter's first pause (it doubles, with jitter, up to 5 s) and its limit, in seconds. */
const POLL_S = 0.25;
const MAX_WAIT_S = 5 * 60;

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
  await waitUntilStreamExists({ client, minDelay: POLL_S, maxDelay: 5, maxWaitTime: MAX_WAIT_S }, { StreamName: streamName }).catch((error: unknown) => {
    throw new Error(`stream ${streamName} is not ACTIVE after ${MAX_WAIT_S} s: ${(error as Error).message}`, { cause: error });
  });
  return { outcome, openShards: (await describe(client, streamName))?.OpenShardCount ?? 0 };
}

async function describe(client: KinesisClient, streamName: string) {
  try {
    return (await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
