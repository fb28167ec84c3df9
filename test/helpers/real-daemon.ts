/**
 * The real KCL MultilangDaemon (Java) for the daemon tests: kinesis-local (the Kinesis emulator the
 * KCL accepts) as a process, dynalite in-process for the lease table and the responses, and workers
 * — one JVM each, in a process group of its own with the `riposte kcl` children it starts.
 *
 * Each child is started through test/fixtures/kcl-tap.js, a relay that records every protocol line
 * both ways with its time: what the daemon really sent is then compared with what the protocol
 * harness (kcl-daemon.ts) plays, and timings (failover, shard order) are read from it.
 *
 * Java is optional on a developer's machine: without it these tests print one line saying so and
 * are skipped. CI sets RIPOSTE_REQUIRE_JAVA=1, and then a missing Java fails them instead.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../src/aws/clients';
import { ensureStream } from '../../src/aws/stream';
import { appsTable, ensureTable } from '../../src/aws/tables';
import { daemonCommand, javaVersion, spawnDaemon } from '../../src/drivers/kcl-daemon/daemon';
import { ensureKclJars } from '../../src/drivers/kcl-daemon/jars';
import { deriveProperties, type KclProperties } from '../../src/drivers/kcl-daemon/properties';
import { startKinesisLocal, type KinesisLocal } from '../../src/embedded/kinesis-local';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
import { startDynalite, type LocalDynamo } from './dynalite';
import { localAwsEnv } from './local-aws';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-server';
import { ids } from './reference';

export const JARS_DIR = join(REPO_ROOT, '.kcl', 'jars');
const TAP = join(REPO_ROOT, 'test', 'fixtures', 'kcl-tap.js');

/**
 * `describe` when Java is on the PATH; otherwise one "skipped: no Java" line and the tests skipped
 * (or failed, under RIPOSTE_REQUIRE_JAVA=1, as in CI).
 */
export function describeWithJava(name: string, body: () => void): void {
  const java = javaVersion();
  if (java !== undefined) {
    describe(name, body);
    return;
  }
  if (process.env.RIPOSTE_REQUIRE_JAVA === '1') {
    it(name, () => {
      throw new Error('RIPOSTE_REQUIRE_JAVA=1 but `java` is not on the PATH: the real-daemon tests cannot run');
    });
    return;
  }
  process.stderr.write(`${name}: skipped: no Java (\`java\` is not on the PATH; install a JRE 11+ to run the real KCL daemon tests)\n`);
  describe.skip(name, body);
}

/** The emulators of one test file, and what every worker shares. */
export interface DaemonWorld {
  kinesis: KinesisLocal;
  dynamo: LocalDynamo;
  kinesisClient: KinesisClient;
  appsTable: string;
  /** A fresh stream of `shards` shards, active. */
  stream(shards: number): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

export async function startDaemonWorld(): Promise<DaemonWorld> {
  await ensureKclJars({ dir: JARS_DIR });
  const [kinesis, dynamo] = await Promise.all([startKinesisLocal(), startDynalite()]);
  const kinesisClient = createKinesisClient({ endpoint: kinesis.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const apps = unique('apps');
  await ensureTable(dynamo.client(), appsTable(apps));
  return {
    kinesis,
    dynamo,
    kinesisClient,
    appsTable: apps,
    async stream(shards) {
      const name = unique('events');
      await ensureStream(kinesisClient, name, shards);
      return name;
    },
    async close() {
      kinesisClient.destroy();
      await Promise.all([kinesis.close(), dynamo.close()]);
    },
  };
}

/**
 * The emulators for the tests of one describe block, started before them and closed (with any
 * worker still running) after them; read `world()` inside tests.
 */
export function useDaemonWorld(): () => DaemonWorld {
  let world: DaemonWorld | undefined;
  beforeAll(async () => {
    world = await startDaemonWorld();
  }, 300_000); // a first run fetches the jars
  afterAll(async () => {
    killWorkers();
    await world?.close();
  });
  return () => {
    if (world === undefined) throw new Error('the daemon world is not started yet: use it inside a test or a hook');
    return world;
  };
}

/** What one test's workers share: the stream, the lease table (application), the responses table. */
export interface Deployment {
  world: DaemonWorld;
  stream: string;
  application: string;
  responsesTable: string;
  deadLetters: string;
  /** Where the tap records every child's protocol lines (a folder per worker). */
  tapDir: string;
}

export async function deploy(world: DaemonWorld, shards: number): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'riposte-daemon-'));
  const tapDir = join(dir, 'tap');
  mkdirSync(tapDir);
  return {
    world,
    stream: await world.stream(shards),
    application: unique('riposte-detector'),
    responsesTable: await world.dynamo.responsesTable(),
    deadLetters: join(dir, 'dead-letters.jsonl'),
    tapDir,
  };
}

/**
 * The lease times of the tests: failover in 4 s instead of 10; shards listed at once (the first sync
 * sleeps shardSyncIntervalMillis before the worker starts); children of a split checked every second.
 */
export const TEST_PROPERTIES: KclProperties = {
  failoverTimeMillis: 4000,
  shardSyncIntervalMillis: 1000,
  parentShardPollIntervalMillis: 1000,
  idleTimeBetweenReadsInMillis: 250,
  taskBackoffTimeMillis: 250,
  metricsLevel: 'NONE',
  regionName: LOCAL_REGION,
};

export interface Worker {
  name: string;
  /** Where the tap records this worker's children. */
  tapDir: string;
  process: ChildProcess;
  /** The daemon's log (its standard output and error, the children's stderr lines included). */
  log(): string;
  exited: Promise<number | string>;
  /** Signals the JVM alone (a SIGTERM an orchestrator sends to the daemon). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the JVM and every child it started (a machine lost). */
  killAll(): void;
}

const workers = new Set<Worker>();

/** For afterEach/afterAll: no worker outlives its test. */
export function killWorkers(): void {
  for (const w of workers) w.killAll();
  workers.clear();
}

export function startWorker(d: Deployment, name: string, set: KclProperties = {}, env: NodeJS.ProcessEnv = {}): Worker {
  const dir = mkdtempSync(join(tmpdir(), `riposte-${name}-`));
  const tapDir = join(d.tapDir, name);
  mkdirSync(tapDir, { recursive: true });
  const propertiesFile = join(dir, 'kcl.properties');
  const properties = deriveProperties(readFileSync(join(REPO_ROOT, 'kcl.properties'), 'utf8'), {
    ...TEST_PROPERTIES,
    executableName: `node ${TAP} node bin/riposte.js kcl`,
    streamName: d.stream,
    applicationName: d.application,
    workerId: name,
    kinesisEndpoint: d.world.kinesis.endpoint,
    dynamoDBEndpoint: d.world.dynamo.endpoint,
    ...set,
  });
  writeFileSync(propertiesFile, properties);
  const child = spawnDaemon({
    jarsDir: JARS_DIR,
    propertiesFile,
    cwd: REPO_ROOT,
    detached: true,
    javaOptions: ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'],
    env: localAwsEnv(
      { dynamo: d.world.dynamo.endpoint },
      {
        RIPOSTE_RESPONSES_TABLE: d.responsesTable,
        RIPOSTE_APPS_TABLE: d.world.appsTable,
        RIPOSTE_DEAD_LETTERS: d.deadLetters,
        RIPOSTE_KCL_TAP_DIR: tapDir,
        LOG_LEVEL: 'info',
        ...env,
      },
    ),
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-2_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal as string))));
  const worker: Worker = {
    name,
    tapDir,
    process: child,
    log: () => log,
    exited,
    signal: (signal) => child.kill(signal),
    killAll: () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
  workers.add(worker);
  void exited.then(() => workers.delete(worker));
  return worker;
}

/** The command line a worker runs, for a failure message. */
export function workerCommand(propertiesFile: string): string {
  return daemonCommand({ jarsDir: JARS_DIR, propertiesFile, cwd: REPO_ROOT }).join(' ');
}

// --- What the tap recorded ------------------------------------------------------------------------

export interface TapLine {
  t: number;
  from: 'daemon' | 'child';
  line: string;
  message: Record<string, unknown>;
}

/** One child's conversation with the daemon, in order. */
export interface Conversation {
  tapPid: string;
  childPid: number | undefined;
  shardId: string | undefined;
  lines: TapLine[];
  exit: number | string | undefined;
  startedAt: number;
}

export function conversations(tapDir: string): Conversation[] {
  return readdirSync(tapDir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((file) => {
      const entries = readFileSync(join(tapDir, file), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as { t: number; start?: { child: number }; from?: 'daemon' | 'child'; line?: string; exit?: number | string }];
          } catch {
            return []; // a line being written
          }
        });
      const lines: TapLine[] = entries
        .filter((e) => e.from !== undefined && e.line !== undefined)
        .map((e) => ({ t: e.t, from: e.from as 'daemon' | 'child', line: e.line as string, message: JSON.parse(e.line as string) as Record<string, unknown> }));
      const init = lines.find((l) => l.message.action === 'initialize');
      return {
        tapPid: file.replace('.jsonl', ''),
        childPid: entries.find((e) => e.start !== undefined)?.start?.child,
        shardId: init?.message.shardId as string | undefined,
        lines,
        exit: entries.find((e) => e.exit !== undefined)?.exit,
        startedAt: entries[0]?.t ?? 0,
      };
    })
    .sort((a, b) => a.startedAt - b.startedAt);
}

/** The user records delivered in `processRecords`, decoded, with the shard and the time. */
export function delivered(c: Conversation): { t: number; shardId: string; sequenceNumber: string; subSequenceNumber: number; data: Buffer }[] {
  return c.lines
    .filter((l) => l.from === 'daemon' && l.message.action === 'processRecords')
    .flatMap((l) =>
      (l.message.records as { data: string; sequenceNumber: string; subSequenceNumber: number }[]).map((r) => ({
        t: l.t,
        shardId: c.shardId ?? 'unknown',
        sequenceNumber: r.sequenceNumber,
        subSequenceNumber: r.subSequenceNumber,
        data: Buffer.from(r.data, 'base64'),
      })),
    );
}

// --- Leases and responses -------------------------------------------------------------------------

export interface Lease {
  leaseKey: string;
  leaseOwner: string | undefined;
  checkpoint: string | undefined;
  checkpointSubSequenceNumber: number | undefined;
}

export async function leases(client: DynamoDBClient, application: string): Promise<Lease[]> {
  try {
    const { Items = [] } = await client.send(new ScanCommand({ TableName: application, ConsistentRead: true }));
    return Items.map((i) => ({
      leaseKey: i.leaseKey?.S as string,
      leaseOwner: i.leaseOwner?.S,
      checkpoint: i.checkpoint?.S,
      checkpointSubSequenceNumber: i.checkpointSubSequenceNumber?.N === undefined ? undefined : Number(i.checkpointSubSequenceNumber.N),
    })).sort((a, b) => a.leaseKey.localeCompare(b.leaseKey));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  }
}

export async function writtenIds(d: Deployment, apps: readonly string[]): Promise<string[]> {
  const store = new DynamoResponseStore(d.world.dynamo.client(), d.responsesTable);
  const all = await Promise.all(apps.map((app) => store.changes(app, null, 100_000)));
  return ids(all.flat());
}
