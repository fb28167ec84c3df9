/**
 * The shard reader's Kinesis reads under the one retry policy, against a real stream on kinesalite
 * with GetRecords failures injected by an SDK middleware: a throttled read is retried until it
 * succeeds; a refusal no retry mends ends the reader at once instead of retrying it forever.
 */
import { ListShardsCommand, ProvisionedThroughputExceededException, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import { builtInDetectors } from '../../../detectors';
import { createKinesisClient } from '../../aws/clients';
import { StaticAppConfigSource } from '../../engine/app-settings';
import { MemoryResponseStore } from '../../sinks/memory-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION, putRecords, eventEntries, startLocalKinesis, type LocalKinesis } from '../../../test/helpers/local-kinesis';
import { RecordingLogger } from '../../../test/helpers/recording-logger';
import { loginFailure, times } from '../../testing/factories';
import type { CheckpointStore, StoredCheckpoint } from './checkpoint-store';
import { ShardReader } from './shard-reader';

let local: LocalKinesis;
beforeAll(async () => {
  local = await startLocalKinesis();
});
afterAll(() => local.close());

/** A client whose first `failures.length` GetRecords calls fail with those errors in turn; counts the calls. */
function failingGetRecords(failures: Error[]): { client: KinesisClient; calls: () => number } {
  const client = createKinesisClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'GetRecordsCommand') return next(args);
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return next(args);
    },
    { step: 'initialize', name: 'injectGetRecordsFailures' },
  );
  return { client, calls: () => calls };
}

function awsError(name: string, fault: 'client' | 'server', status: number): Error {
  return Object.assign(new Error(`${name} (injected)`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

async function readerOf(kinesis: KinesisClient, stream: string) {
  const shards: Shard[] = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const checkpoints = new Map<string, StoredCheckpoint>();
  const store: CheckpointStore = { all: async () => checkpoints, put: async (shardId, checkpoint) => void checkpoints.set(shardId, checkpoint) };
  const stop = new AbortController();
  const logger = new RecordingLogger();
  const responses = new MemoryResponseStore();
  let caughtUp!: () => void;
  const idle = new Promise<void>((resolve) => (caughtUp = resolve));
  const reader = new ShardReader(shards[0] as Shard, undefined, {
    streamName: stream,
    kinesis,
    checkpoints: store,
    deps: { sink: responses, history: responses, deadLetters: { write: async () => undefined }, config: new StaticAppConfigSource(builtInDetectors), logger },
    settings: { initialPosition: 'TRIM_HORIZON', maxRecords: 1000, maxBytesPerRead: 1024 * 1024, idleTimeBetweenReadsMs: 10, minTimeBetweenReadsMs: 0, maxReadBytesPerSecond: 2 * 1024 * 1024, readBackoff: { initialMs: 1, maxMs: 2 }, writeBackoff: { initialMs: 1, maxMs: 2 } },
    observer: { started: () => undefined, batch: () => undefined, checkpointed: () => undefined, caughtUp: () => caughtUp() },
    stopSignal: stop.signal,
    abortSignal: new AbortController().signal,
  });
  return { reader, stop, idle, logger, processed: () => reader.pipeline.processor.stats.records };
}

test('a throttled or failing GetRecords is retried until it reads', async () => {
  const stream = await local.stream(1);
  await putRecords(local.client(), stream, eventEntries(times(5, (i) => loginFailure({ ip: '203.0.113.7', at: i }))));
  const { client, calls } = failingGetRecords([new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard (injected)', $metadata: { httpStatusCode: 400 } }), awsError('InternalFailure', 'server', 500)]);
  const { reader, stop, idle, logger, processed } = await readerOf(client, stream);
  const running = reader.run();
  await idle;
  stop.abort();
  expect(await running).toBe('stopped');
  expect(processed()).toBe(5);
  expect(calls()).toBeGreaterThanOrEqual(3);
  expect(logger.messages('info')).toEqual(expect.arrayContaining(['read throughput exceeded; backing off', 'GetRecords failed; retrying']));
});

test('a GetRecords refusal no retry mends (access denied) is asked once: the reader fails with it', async () => {
  const stream = await local.stream(1);
  const denied = awsError('AccessDeniedException', 'client', 400);
  const { client, calls } = failingGetRecords([denied, denied, denied]);
  const { reader } = await readerOf(client, stream);
  await expect(reader.run()).rejects.toBe(denied);
  expect(calls()).toBe(1);
});
