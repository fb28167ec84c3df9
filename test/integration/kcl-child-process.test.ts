/**
 * `riposte kcl` as the MultilangDaemon runs it: spawned from kcl.properties' executableName (split on
 * spaces, in the repository root), spoken to line by line with the Java daemon's messages
 * (test/helpers/kcl-daemon.ts cites their source), writing to DynamoDB (dynalite) through the
 * responses store. The daemon itself (Java, from Maven Central) cannot run here.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appsTable, ensureTable } from '../../src/aws/tables';
import { DynamoRegistryStore } from '../../src/registry/dynamo-store';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { BASE_TIME } from '../../src/testing/factories';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
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
  shardEnded,
  spawnChild,
  type CheckpointRequest,
  type SpawnedChild,
} from '../helpers/kcl-daemon';
import { localAwsEnv } from '../helpers/local-aws';
import { ids, referenceResponses } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';

const SHARD = 'shardId-000000000007';
const APPS = ['shop', 'bank'];
const events = streamTraffic({ apps: APPS, startMs: BASE_TIME - 3 * 3600_000, spanSeconds: 2 * 3600, seed: 11 });
const records = daemonRecords(events, { aggregate: 3 });
const batchSize = 150;

let dynamo: LocalDynamo;
let expected: string[];
const APPS_TABLE = 'kcl-apps';
beforeAll(async () => {
  dynamo = await startDynalite();
  await ensureTable(dynamo.client(), appsTable(APPS_TABLE));
  expected = ids(await referenceResponses(events));
});
afterEach(() => killChildren());
afterAll(async () => {
  await dynamo.close();
});

function childEnv(table: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return localAwsEnv(
    { dynamo: dynamo.endpoint },
    {
      RIPOSTE_RESPONSES_TABLE: table,
      RIPOSTE_APPS_TABLE: APPS_TABLE,
      RIPOSTE_DEAD_LETTERS: join(mkdtempSync(join(tmpdir(), 'riposte-kcl-')), 'dead-letters.jsonl'),
      ...extra,
    },
  );
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
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
  const requests: CheckpointRequest[] = [];
  for (const batch of batches(records, batchSize)) requests.push(...(await child.daemon.perform(processRecords(batch, 1200))));
  expect(await child.daemon.perform(shardEnded())).toEqual([{ action: 'checkpoint', sequenceNumber: null }]);
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);

  expectOnlyProtocolOnStdout(child);
  expect(child.stderr()).toContain('noisy dependency loaded');
  expect(child.stderr()).toContain('noisy dependency still talking');
  // Responses are written in lanes while the next batches are processed: a position is checkpointed
  // at the first batch after its writes landed, so how many depends on timing.
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.some((r) => (r.subSequenceNumber ?? 0) > 0)).toBe(true);
  expect(await writtenIds(table)).toEqual(expected);
});

it('a child killed between batches: the next one, initialized at the checkpoint, leaves no response lost or doubled', async () => {
  const table = await dynamo.responsesTable();
  const all = batches(records, batchSize);
  const killAfter = Math.floor(all.length / 2) + 1;

  const first = spawnChild(childEnv(table));
  await first.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
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
  await second.daemon.perform(initialize(SHARD, checkpoint.sequenceNumber, checkpoint.subSequenceNumber ?? 0));
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
  const child = spawnChild(childEnv(table, { RIPOSTE_RESPONSES_TABLE: 'no-such-table' }));
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
  // The batch is answered while its responses' write is retried in their lane: nothing checkpointed.
  expect(await child.daemon.perform(processRecords(records.slice(0, 300)))).toEqual([]);
  const retried = async () => {
    const until = Date.now() + 5000;
    while (!child.stderr().includes('retrying, and not checkpointing until it succeeds') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await within(6000, 'a write retried', retried());
  const closedAt = Date.now();
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);
  expect(Date.now() - closedAt).toBeLessThan(2500);
  expectOnlyProtocolOnStdout(child);
  expect(child.stderr()).toContain('retrying, and not checkpointing until it succeeds');
});

/** Gift-card codes guessed from `ip`: what playbooks/gift-card-enumeration.yaml answers. */
function guesses(appId: string, ip: string, from: number) {
  return Array.from({ length: 25 }, (_, i) => ({
    v: 1,
    ts: new Date(BASE_TIME + (from + i * 5) * 1000).toISOString(),
    appId,
    type: 'custom',
    event: 'gift_card_redeem',
    actor: { ip },
    props: { result: 'invalid', code: `GC-${1000 + i}` },
  }));
}

async function playOneBatch(env: NodeJS.ProcessEnv, events: readonly object[]): Promise<void> {
  const child = spawnChild(env);
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
  await child.daemon.perform(processRecords(daemonRecords(events)));
  await child.daemon.perform(leaseLost());
  child.daemon.end();
  expect(await within(5000, 'exit after stdin closed', child.exited)).toBe(0);
}

async function answered(table: string, appId: string): Promise<string[][]> {
  const written = await new DynamoResponseStore(dynamo.client(), table).changes(appId, null, 100);
  return written.map((r) => [r.detector, r.target.value]);
}

it('runs the playbooks of RIPOSTE_PLAYBOOKS_DIR next to the built-in detectors', async () => {
  const table = await dynamo.responsesTable();
  await playOneBatch(childEnv(table, { RIPOSTE_PLAYBOOKS_DIR: join(REPO_ROOT, 'playbooks') }), guesses('shop', '192.0.2.77', 0));
  expect(await answered(table, 'shop')).toEqual([['gift-card-enumeration', '192.0.2.77']]);
});

it("applies an application's settings and playbooks from the registry (the apps table)", async () => {
  const [table, appsTableName] = [await dynamo.responsesTable(), `kcl-apps-${Date.now()}`];
  await ensureTable(dynamo.client(), appsTable(appsTableName));
  const now = new Date().toISOString();
  await new DynamoRegistryStore(dynamo.client(), appsTableName).create({
    appId: 'cards',
    createdAt: now,
    updatedAt: now,
    revision: 0,
    tokens: [],
    settings: { allowlist: { ips: ['192.0.2.99'] } },
    playbooks: [{ name: 'gift-card-enumeration', yaml: readFileSync(join(REPO_ROOT, 'playbooks', 'gift-card-enumeration.yaml'), 'utf8') }],
  });
  await playOneBatch(childEnv(table, { RIPOSTE_APPS_TABLE: appsTableName }), [...guesses('cards', '192.0.2.77', 0), ...guesses('cards', '192.0.2.99', 200), ...guesses('other', '192.0.2.77', 400)]);
  expect(await answered(table, 'cards')).toEqual([['gift-card-enumeration', '192.0.2.77']]);
  expect(await answered(table, 'other')).toEqual([]);
});
