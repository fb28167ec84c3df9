/**
 * Events written by the ingest API's publisher (group commit, KPL aggregation) are read by both
 * consumers — the local driver, and `riposte kcl` fed as the MultilangDaemon feeds it (the KCL
 * de-aggregates, and hands each user record over with its sub-sequence number) — with checkpoints
 * inside aggregated records, and a replay from each such checkpoint writes the same response ids:
 * started on the table as the first run had left it when it took that checkpoint, it ends with
 * exactly the responses of an uninterrupted run, none lost, none new.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisEventPublisher } from '../../src/api/event-publisher';
import { appsTable, ensureTable } from '../../src/aws/tables';
import type { SecurityResponse } from '../../src/core/response';
import type { Position } from '../../src/engine/types';
import { MemoryResponseStore } from '../../src/sinks/memory-store';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import type { TestEvent } from '../../src/testing/factories';
import { batches, initialize, killChildren, processRecords, shardEnded, spawnChild, type CheckpointRequest, type DaemonRecord } from '../helpers/kcl-daemon';
import { useLocalAws } from '../helpers/local-aws';
import { checkpointTable, testDriver, type TestDriver } from '../helpers/local-driver';
import { readStream, type StreamRecord } from '../helpers/local-kinesis';
import { ids, referenceResponses } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';

const aws = useLocalAws();
const APPS = ['shop', 'bank'];
/** Events in the recent past: Kinesis arrival times are real, and the engine refuses events far ahead of them. */
const events = streamTraffic({ apps: APPS, startMs: Date.now() - 3 * 3600_000, spanSeconds: 2 * 3600, seed: 5 });

let stream: string;
let onStream: StreamRecord[];
let expected: string[];

/**
 * Posts the events as agents would, as they happen: each next twenty (in time order) at once, in
 * requests of one application each, which share one write. Twenty events span about 80 s of this
 * scenario, within the two minutes of lateness the engine allows: a write packs the events of each
 * application together, so it reorders across applications by as much as it spans (in production,
 * the few milliseconds of its linger).
 */
async function publishAll(publisher: KinesisEventPublisher, all: readonly TestEvent[]): Promise<void> {
  for (const wave of batches(all, 20)) {
    const outcomes = await Promise.all(
      APPS.map((app) => wave.filter((e) => e.appId === app).map((e) => Buffer.from(JSON.stringify(e))))
        .filter((records) => records.length > 0)
        .map((records) => publisher.publish((JSON.parse((records[0] as Buffer).toString()) as TestEvent).appId, records)),
    );
    expect(outcomes.flatMap((o) => o.failed)).toEqual([]);
  }
}

beforeAll(async () => {
  stream = await aws.kinesis.stream(1);
  const publisher = new KinesisEventPublisher(aws.kinesis.client(), stream, { lingerMs: 50 });
  await publishAll(publisher, events);
  onStream = await readStream(aws.kinesis.client(), stream);
  expected = ids(await referenceResponses(events));
}, 60_000);
afterEach(() => killChildren());

test('the stream holds every event, packed into aggregated records', () => {
  expect(onStream).toHaveLength(events.length);
  expect(onStream.every((r) => r.aggregated)).toBe(true);
  const perRecord = events.length / new Set(onStream.map((r) => r.sequenceNumber)).size;
  expect(perRecord).toBeGreaterThan(5);
  expect(expected.length).toBeGreaterThan(5);
});


/** Whether a user record comes after a position: the KCL's and the local driver's rule for where to resume. */
function after(r: { sequenceNumber: string; subSequenceNumber?: number }, at: { sequenceNumber: string; subSequenceNumber: number }): boolean {
  return BigInt(r.sequenceNumber) > BigInt(at.sequenceNumber) || (r.sequenceNumber === at.sequenceNumber && (r.subSequenceNumber ?? 0) > at.subSequenceNumber);
}

/** A few checkpoints inside aggregated records, spread over the run: the first, the middle, the last. */
function spread<T>(xs: readonly T[]): T[] {
  return [...new Set([xs[0], xs[Math.floor(xs.length / 2)], xs.at(-1)])].filter((x): x is T => x !== undefined);
}

describe('the local driver', () => {
  const running: TestDriver[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((t) => t.driver.stop()));
  });

  /**
   * A driver from `position` (or the start), over a store holding `written` already: a restart finds
   * what was written before it in the table, which tells it which targets are answered already.
   */
  async function runFrom(position: Position | null, written: readonly SecurityResponse[] = []): Promise<{ t: TestDriver; cuts: Array<{ position: Position; written: SecurityResponse[] }> }> {
    const table = await checkpointTable(aws.dynamo.client());
    const store = new MemoryResponseStore();
    await store.write(written);
    // Eight Kinesis records per read: many batches, so checkpoints fall inside aggregated records.
    const t = testDriver({ kinesis: aws.kinesis.client(), dynamo: aws.dynamo.client(), stream, table, store, options: { maxRecords: 8 } });
    running.push(t);
    const shardId = onStream[0]?.shardId as string;
    if (position !== null) await t.checkpoints.put(shardId, { kind: 'position', position, complete: false });
    const cuts: Array<{ position: Position; written: SecurityResponse[] }> = [];
    // Emitted once the batch's responses are written: what is in the store then is what the first run leaves behind.
    t.driver.on('checkpoint', ({ position: at }) => {
      if (at !== 'SHARD_END') cuts.push({ position: at, written: t.store.all() });
    });
    await t.driver.start();
    const toRead = onStream.filter((r) => position === null || after(r, position)).length;
    await waitFor(`the driver to process the ${toRead} events after its start`, () => t.processed() === toRead, 60_000);
    return { t, cuts };
  }

  test('writes the responses of an uninterrupted run, and a replay from each checkpoint inside an aggregated record writes the same ids', async () => {
    const { t, cuts } = await runFrom(null);
    expect(ids(t.store.all())).toEqual(expected);
    const inside = cuts.filter((c) => c.position.subSequenceNumber > 0);
    expect(inside.length).toBeGreaterThan(0);
    for (const cut of spread(inside)) {
      const replay = await runFrom(cut.position, cut.written);
      expect(ids(replay.t.store.all())).toEqual(expected);
    }
  }, 180_000);
});

describe('riposte kcl', () => {
  /** The user records as the daemon delivers them: de-aggregated, each with its sub-sequence number. */
  const delivered = (): DaemonRecord[] =>
    onStream.map((r) => ({ data: r.data, partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber, arrivalMs: Date.parse((JSON.parse(r.data.toString()) as { ts: string }).ts) + 500 }));

  const APPS_TABLE = 'aggregated-apps';
  beforeAll(() => ensureTable(aws.dynamo.client(), appsTable(APPS_TABLE)));

  function childEnv(table: string): NodeJS.ProcessEnv {
    return aws.childEnv({ RIPOSTE_RESPONSES_TABLE: table, RIPOSTE_APPS_TABLE: APPS_TABLE, RIPOSTE_DEAD_LETTERS: join(mkdtempSync(join(tmpdir(), 'riposte-kcl-')), 'dead-letters.jsonl') });
  }

  async function written(table: string): Promise<SecurityResponse[]> {
    const store = new DynamoResponseStore(aws.dynamo.client(), table);
    return (await Promise.all(APPS.map((app) => store.changes(app, null, 10_000)))).flat();
  }
  const writtenIds = async (table: string): Promise<string[]> => ids(await written(table));

  /** Plays `records` to a fresh child from `from`; the checkpoints it asks for, with what was written when each was asked. */
  async function play(records: readonly DaemonRecord[], from: CheckpointRequest | null, table: string) {
    const child = spawnChild(childEnv(table));
    await child.daemon.perform(initialize('shardId-000000000000', from?.sequenceNumber ?? 'TRIM_HORIZON', from?.subSequenceNumber ?? 0));
    const cuts: Array<{ request: CheckpointRequest; written: SecurityResponse[] }> = [];
    for (const batch of batches(records, 150)) {
      const requests = await child.daemon.perform(processRecords(batch));
      const before = requests.length === 0 ? [] : await written(table);
      for (const request of requests) cuts.push({ request, written: before });
    }
    await child.daemon.perform(shardEnded());
    child.daemon.end();
    expect(await child.exited).toBe(0);
    return cuts;
  }

  test('checkpoints inside aggregated records, and a replay from each writes the same ids', async () => {
    const records = delivered();
    const firstTable = await aws.dynamo.responsesTable();
    const cuts = await play(records, null, firstTable);
    expect(await writtenIds(firstTable)).toEqual(expected);
    const inside = cuts.filter((c) => (c.request.subSequenceNumber ?? 0) > 0);
    expect(inside.length).toBeGreaterThan(0);
    for (const cut of spread(inside)) {
      const at = cut.request as CheckpointRequest & { sequenceNumber: string; subSequenceNumber: number };
      // The KCL restarts after the checkpoint: in its record, the user records after its sub-sequence number.
      const rest = records.filter((r) => after(r, at));
      // The table as the first child left it when it asked for this checkpoint.
      const table = await aws.dynamo.responsesTable();
      await new DynamoResponseStore(aws.dynamo.client(), table).write(cut.written);
      await play(rest, at, table);
      expect(await writtenIds(table)).toEqual(expected);
    }
  }, 180_000);
});
