/** A local driver over kinesalite and dynalite, with its responses and dead letters kept for assertions. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { builtInDetectors } from '../../detectors';
import { checkpointsTable, ensureTable } from '../../src/aws/tables';
import { StaticAppConfigSource } from '../../src/engine/app-settings';
import type { DeadLetter, ResponseHistory, ResponseSink } from '../../src/core/ports';
import { DynamoCheckpointStore } from '../../src/drivers/local/checkpoint-store';
import { LocalKinesisDriver, type LocalDriverOptions } from '../../src/drivers/local/local-driver';
import type { BatchInfo } from '../../src/drivers/local/shard-reader';
import { MemoryResponseStore } from '../../src/sinks/memory-store';
import { RecordingLogger } from './recording-logger';

let tableCounter = 0;

export async function checkpointTable(dynamo: DynamoDBClient): Promise<string> {
  const name = `checkpoints-${process.pid}-${++tableCounter}`;
  await ensureTable(dynamo, checkpointsTable(name));
  return name;
}

export interface TestDriver {
  driver: LocalKinesisDriver;
  store: MemoryResponseStore;
  letters: DeadLetter[];
  logger: RecordingLogger;
  checkpoints: DynamoCheckpointStore;
  /** Every batch, and every shard finished, in the order the driver reported them. */
  timeline: Array<{ kind: 'batch'; info: BatchInfo } | { kind: 'finished'; shardId: string; end: string }>;
  /** User records processed so far, over all shards. */
  processed(): number;
}

export interface TestDriverSetup {
  kinesis: KinesisClient;
  dynamo: DynamoDBClient;
  stream: string;
  table: string;
  store?: MemoryResponseStore;
  sink?: ResponseSink;
  history?: ResponseHistory;
  options?: Partial<LocalDriverOptions>;
}

export function testDriver(setup: TestDriverSetup): TestDriver {
  const store = setup.store ?? new MemoryResponseStore();
  const letters: DeadLetter[] = [];
  const logger = new RecordingLogger();
  const checkpoints = new DynamoCheckpointStore(setup.dynamo, setup.table, setup.stream, 'test');
  const driver = new LocalKinesisDriver({
    streamName: setup.stream,
    kinesis: setup.kinesis,
    checkpoints,
    deps: {
      sink: setup.sink ?? store,
      history: setup.history ?? store,
      deadLetters: { write: async (l) => void letters.push(...l) },
      config: new StaticAppConfigSource(builtInDetectors),
      logger,
    },
    maxRecords: 400,
    idleTimeBetweenReadsMs: 50,
    shardSyncIntervalMs: 1000,
    readBackoff: { initialMs: 10, maxMs: 100 },
    writeBackoff: { initialMs: 5, maxMs: 50 },
    ...setup.options,
  });
  const timeline: TestDriver['timeline'] = [];
  let processed = 0;
  driver.on('batch', (info) => {
    processed += info.records;
    timeline.push({ kind: 'batch', info });
  });
  driver.on('shardFinished', ({ shardId, end }) => timeline.push({ kind: 'finished', shardId, end }));
  return { driver, store, letters, logger, checkpoints, timeline, processed: () => processed };
}
