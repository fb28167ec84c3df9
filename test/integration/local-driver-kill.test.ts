/**
 * The local driver killed (SIGKILL) at random points and restarted, many times, on kinesalite and
 * dynalite: the responses it ends up with in the DynamoDB responses table are exactly those of an
 * uninterrupted run — none lost (checkpoints never pass an unwritten response), none doubled
 * (replays from the trailing checkpoint rebuild the same windows and write the same ids).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { appsTable, ensureTable } from '../../src/aws/tables';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
import { useLocalAws } from '../helpers/local-aws';
import { eventEntries, putRecords } from '../helpers/local-kinesis';
import { checkpointTable } from '../helpers/local-driver';
import { ids, referenceResponses } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';

const APPS = ['shop', 'bank', 'blog', 'forum'];
const KILLS = 6;
const SEED = Number(process.env.KILL_SEED ?? 20261128);

const aws = useLocalAws();
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});

interface Consumer {
  process: ChildProcess;
  /** Last sequence number read per shard, as the consumer reported it. */
  read: Map<string, string>;
  batches: number;
  started: boolean;
  caughtUp: Set<string>;
  exited: Promise<number | string>;
}

function startConsumer(env: NodeJS.ProcessEnv): Consumer {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join('test', 'fixtures', 'local-consumer.ts'), '100'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const consumer: Consumer = {
    process: child,
    read: new Map(),
    batches: 0,
    started: false,
    caughtUp: new Set(),
    exited: new Promise((resolve) => child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal as string));
    })),
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (process.env.DEBUG_KILL) console.log(child.pid, line);
    const [what, shardId, seq] = line.split(' ');
    if (what === 'started') consumer.started = true;
    if (what === 'caught-up' && shardId !== undefined) consumer.caughtUp.add(shardId);
    if (what === 'read' && shardId !== undefined && seq !== undefined) {
      consumer.batches++;
      consumer.read.set(shardId, seq);
    }
  });
  return consumer;
}

it(`killed ${KILLS} times at random points and restarted: the responses of an uninterrupted run, none lost, none doubled`, async () => {
  const [stream, checkpoints, responses] = await Promise.all([aws.kinesis.stream(3), checkpointTable(aws.dynamo.client()), aws.dynamo.responsesTable()]);
  await ensureTable(aws.dynamo.client(), appsTable('kill-apps'));
  const events = streamTraffic({ apps: APPS, startMs: Date.now() - 3 * 3600_000, spanSeconds: 2 * 3600, seed: 31 });
  const puts = await putRecords(aws.kinesis.client(), stream, eventEntries(events));
  const expected = ids(await referenceResponses(events));
  const env = aws.childEnv({
    LOG_LEVEL: 'warn',
    RIPOSTE_STREAM: stream,
    RIPOSTE_CHECKPOINTS_TABLE: checkpoints,
    RIPOSTE_RESPONSES_TABLE: responses,
    RIPOSTE_APPS_TABLE: 'kill-apps',
    RIPOSTE_DEAD_LETTERS: join(mkdtempSync(join(tmpdir(), 'riposte-kill-')), 'dead-letters.jsonl'),
  });

  let random = SEED;
  const next = (): number => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const batchesPerRun: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const consumer = startConsumer(env);
    // Kill at a random point of its work: after a random number of batches, plus a random delay,
    // so that some kills land between the write of a batch and its checkpoint.
    const afterBatches = 1 + Math.floor(next() * 3);
    await waitFor(`consumer ${k} to read ${afterBatches} batches`, () => consumer.batches >= afterBatches || consumer.read.size === 3, 20_000);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 150)));
    consumer.process.kill('SIGKILL');
    expect(await consumer.exited).toBe('SIGKILL');
    batchesPerRun.push(consumer.batches);
  }

  const last = startConsumer(env);
  const shards = [...new Set(puts.map((p) => p.shardId))];
  await waitFor('the last consumer to catch up on every shard', () => shards.every((s) => last.caughtUp.has(s)), 20_000);
  last.process.kill('SIGTERM');
  expect(await last.exited).toBe(0);

  const store = new DynamoResponseStore(aws.dynamo.client(), responses);
  const written = (await Promise.all(APPS.map((app) => store.changes(app, null, 10_000)))).flat();
  expect(ids(written)).toEqual(expected);
  expect(written.length).toBe(expected.length);
  expect(batchesPerRun.every((n) => n > 0)).toBe(true);
}, 150_000); // a child process per run, each starting tsx: minutes on a loaded 2-core machine
