/**
 * `riposte kcl` as the MultilangDaemon runs it: spawned from kcl.properties' executableName (split on
 * spaces, in the repository root), spoken to line by line with the Java daemon's messages
 * (test/helpers/kcl-daemon.ts cites their source), writing to DynamoDB (dynalite) through the
 * responses store. The daemon itself (Java, from Maven Central) cannot run here.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { BASE_TIME } from '../../src/testing/factories';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import {
  atOrBefore,
  batches,
  daemonRecords,
  executableFromProperties,
  initialize,
  killChildren,
  leaseLost,
  processRecords,
  REPO_ROOT,
  shardEnded,
  spawnChild,
  type CheckpointRequest,
  type SpawnedChild,
} from '../helpers/kcl-daemon';
import { ids, referenceResponses } from '../helpers/reference';
import { scenario } from '../helpers/scenario';

const SHARD = 'shardId-000000000007';
const APPS = ['shop', 'bank'];
const events = scenario({ apps: APPS, startMs: BASE_TIME - 3 * 3600_000, spanSeconds: 2 * 3600, seed: 11 });
const records = daemonRecords(events, { aggregate: 3 });
const batchSize = 150;

let dynamo: LocalDynamo;
let expected: string[];
beforeAll(async () => {
  dynamo = await startDynalite();
  expected = ids(await referenceResponses(events));
});
afterEach(() => killChildren());
afterAll(async () => {
  await dynamo.close();
});

function childEnv(table: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    RIPOSTE_RESPONSES_TABLE: table,
    RIPOSTE_DEAD_LETTERS: join(mkdtempSync(join(tmpdir(), 'riposte-kcl-')), 'dead-letters.jsonl'),
    NODE_NO_WARNINGS: '1',
    ...extra,
  };
}

async function writtenIds(table: string): Promise<string[]> {
  const store = new DynamoResponseStore(dynamo.client(), table);
  const all = await Promise.all(APPS.map((app) => store.changes(app, null, 10_000)));
  return ids(all.flat());
}

/** Within `ms`, or fails naming what it waited for. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function expectOnlyProtocolOnStdout(child: SpawnedChild): void {
  expect(child.daemon.strayLines).toEqual([]);
  expect(child.daemon.unread).toEqual([]);
}

it('is started the way the daemon starts it: kcl.properties executableName, in the repository root', () => {
  expect(executableFromProperties()).toEqual(['node', 'bin/riposte.js', 'kcl']);
  expect(existsSync(join(REPO_ROOT, 'bin', 'riposte.js'))).toBe(true);
});

it('plays a whole shard: the responses of an uninterrupted run, only protocol lines on stdout though a dependency prints, exit on EOF', async () => {
  const table = await dynamo.responsesTable();
  const child = spawnChild(childEnv(table, { NODE_OPTIONS: `--require tsx/cjs --require ${join(REPO_ROOT, 'test', 'fixtures', 'noisy-dependency.ts')}` }));
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', null));
  const requests: CheckpointRequest[] = [];
  for (const batch of batches(records, batchSize)) requests.push(...(await child.daemon.perform(processRecords(batch, 1200))));
  expect(await child.daemon.perform(shardEnded())).toEqual([{ action: 'checkpoint', sequenceNumber: null }]);
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);

  expectOnlyProtocolOnStdout(child);
  expect(child.stderr()).toContain('noisy dependency loaded');
  expect(child.stderr()).toContain('noisy dependency still talking');
  expect(requests.length).toBeGreaterThan(3);
  expect(requests.some((r) => (r.subSequenceNumber ?? 0) > 0)).toBe(true);
  expect(await writtenIds(table)).toEqual(expected);
});

it('a child killed between batches: the next one, initialized at the checkpoint, leaves no response lost or doubled', async () => {
  const table = await dynamo.responsesTable();
  const all = batches(records, batchSize);
  const killAfter = Math.floor(all.length / 2) + 1;

  const first = spawnChild(childEnv(table));
  await first.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', null));
  let acknowledged: CheckpointRequest | null = null;
  for (const batch of all.slice(0, killAfter)) {
    const requests = await first.daemon.perform(processRecords(batch));
    acknowledged = requests.at(-1) ?? acknowledged;
  }
  first.process.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  expect(acknowledged).not.toBeNull();
  const checkpoint = acknowledged as CheckpointRequest & { sequenceNumber: string };
  const writtenBeforeKill = await writtenIds(table);
  expect(writtenBeforeKill.length).toBeGreaterThan(0);

  // The KCL restarts at the checkpoint: the records after it (de-aggregated ones after its sub-sequence number).
  const rest = records.filter((r) => !atOrBefore(r, checkpoint));
  const deliveredBefore = all.slice(0, killAfter).flat().length;
  expect(rest.length).toBeGreaterThan(records.length - deliveredBefore); // some records are read twice: the checkpoint trails

  const second = spawnChild(childEnv(table));
  await second.daemon.perform(initialize(SHARD, checkpoint.sequenceNumber, checkpoint.subSequenceNumber ?? null));
  for (const batch of batches(rest, batchSize)) await second.daemon.perform(processRecords(batch));
  await second.daemon.perform(shardEnded());
  second.daemon.end();
  expect(await within(5000, 'exit after stdin closed', second.exited)).toBe(0);

  expectOnlyProtocolOnStdout(first);
  expectOnlyProtocolOnStdout(second);
  expect(await writtenIds(table)).toEqual(expected);
});

it('when the daemon goes away while a write is being retried, the child exits promptly without checkpointing', async () => {
  const table = await dynamo.responsesTable();
  const child = spawnChild(childEnv(table, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' }));
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', null));
  child.daemon.send(processRecords(records.slice(0, 300)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const closedAt = Date.now();
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);
  expect(Date.now() - closedAt).toBeLessThan(2500);
  expectOnlyProtocolOnStdout(child);
  expect(child.stderr()).toContain('retrying, and not checkpointing until it succeeds');
});

it('runs the playbooks of RIPOSTE_PLAYBOOKS_DIR next to the built-in detectors', async () => {
  const table = await dynamo.responsesTable();
  const child = spawnChild(childEnv(table, { RIPOSTE_PLAYBOOKS_DIR: join(REPO_ROOT, 'playbooks') }));
  const guesses = Array.from({ length: 25 }, (_, i) => ({
    v: 1,
    ts: new Date(BASE_TIME + i * 5000).toISOString(),
    appId: 'shop',
    type: 'custom',
    event: 'gift_card_redeem',
    actor: { ip: '192.0.2.77' },
    props: { result: 'invalid', code: `GC-${1000 + i}` },
  }));
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', null));
  await child.daemon.perform(processRecords(daemonRecords(guesses)));
  await child.daemon.perform(leaseLost());
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);
  const written = await new DynamoResponseStore(dynamo.client(), table).changes('shop', null, 100);
  expect(written.map((r) => [r.detector, r.target.value])).toEqual([['gift-card-enumeration', '192.0.2.77']]);
});
