/**
 * The real KCL MultilangDaemon against the local driver, at the same sustained event rate on the
 * same emulators (kinesis-local for Kinesis, dynalite for the responses), one after the other:
 *
 *   lag    — for each batch, from the arrival in Kinesis of its newest record to the end of its
 *            processing (local driver: the batch written; daemon: the child's status for that
 *            processRecords, i.e. written and checkpointed), and from its oldest record (the
 *            longest an event waited); percentiles over the run after a warm-up.
 *   memory — each `riposte kcl` child's resident memory (VmRSS now, VmHWM its peak) after the load:
 *            what one shard costs under the daemon.
 *
 *   npm run bench:kcl -- [eventsPerSecond=400] [seconds=40] [shards=2] [idleTimeBetweenReadsInMillis=1000]
 *
 * The daemon reads with kcl.properties' settings except the endpoints (and the read spacing given);
 * the local driver with its own defaults (200 ms between reads of a caught-up shard). The last line
 * is one JSON object with every figure. The failover time is printed by
 * test/integration/kcl-daemon-failover.test.ts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { builtInDetectors } from '../detectors';
import { checkpointsTable, ensureTable } from '../src/aws/tables';
import { StaticAppConfigSource } from '../src/engine/app-settings';
import { silentLogger } from '../src/core/ports';
import { DynamoCheckpointStore } from '../src/drivers/local/checkpoint-store';
import { LocalKinesisDriver } from '../src/drivers/local/local-driver';
import { JsonLinesDeadLetterSink } from '../src/sinks/dead-letter-file';
import { DynamoResponseStore } from '../src/sinks/dynamodb/responses-store';
import { conversations, deploy, killWorkers, startDaemonWorld, startWorker, type DaemonWorld } from '../test/helpers/real-daemon';

const RATE = Number(process.argv[2] ?? 400);
const SECONDS = Number(process.argv[3] ?? 40);
const SHARDS = Number(process.argv[4] ?? 2);
const IDLE_MS = Number(process.argv[5] ?? 1000);
const WARM_UP_MS = 5000;
const APPS = 8; // bench/put-load.ts
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Lags {
  behind: number[];
  waited: number[];
}

function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const summary = (xs: readonly number[]) => ({ batches: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) });

/** Runs bench/put-load.ts in a process of its own: the producer neither slows the reader nor is slowed by it. */
async function load(world: DaemonWorld, stream: string, offset: number): Promise<{ put: number; startedAt: number; achieved: number }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'put-load.ts'), world.kinesis.endpoint, stream, String(RATE), String(SECONDS), String(offset)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the producer exited with ${code}`);
  return JSON.parse(out) as { put: number; startedAt: number; achieved: number };
}

async function localDriver(world: DaemonWorld): Promise<Lags & { achieved: number }> {
  const stream = await world.stream(SHARDS);
  const dynamo = world.dynamo.client();
  await ensureTable(dynamo, checkpointsTable('bench-checkpoints'));
  const table = await world.dynamo.responsesTable();
  const store = new DynamoResponseStore(dynamo, table);
  const deadLetters = new JsonLinesDeadLetterSink(join(mkdtempSync(join(tmpdir(), 'riposte-bench-')), 'dead-letters.jsonl'));
  const driver = new LocalKinesisDriver({
    streamName: stream,
    kinesis: world.kinesisClient,
    checkpoints: new DynamoCheckpointStore(dynamo, 'bench-checkpoints', stream, 'bench'),
    deps: { sink: store, history: store, deadLetters, config: new StaticAppConfigSource(builtInDetectors), logger: silentLogger },
  });
  const lags: Lags = { behind: [], waited: [] };
  let from = Infinity;
  driver.on('batch', (b) => {
    if (Date.now() < from || b.arrivalLagMs === null || b.oldestArrivalLagMs === null) return;
    lags.behind.push(b.arrivalLagMs);
    lags.waited.push(b.oldestArrivalLagMs);
  });
  await driver.start();
  from = Date.now() + WARM_UP_MS;
  const { achieved } = await load(world, stream, 0);
  await driver.stop();
  return { ...lags, achieved };
}

async function daemon(world: DaemonWorld): Promise<{ lags: Lags; achieved: number; memory: { pid: number; shardId: string; rssMB: number; peakMB: number }[] }> {
  const d = await deploy(world, SHARDS);
  const worker = startWorker(d, 'bench-worker', { idleTimeBetweenReadsInMillis: IDLE_MS, failoverTimeMillis: 10_000 }, { LOG_LEVEL: 'warn' });
  // Started, leases taken, every child answered initialize: the load starts on a running worker.
  for (;;) {
    const ready = conversations(worker.tapDir).filter((c) => c.lines.some((l) => l.from === 'child' && l.message.responseFor === 'initialize'));
    if (ready.length === SHARDS) break;
    if (worker.process.exitCode !== null) throw new Error(`the daemon exited:\n${worker.log().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { startedAt, achieved } = await load(world, d.stream, 1_000_000);
  await new Promise((resolve) => setTimeout(resolve, 3 * IDLE_MS + 2000)); // the last batches
  const lags: Lags = { behind: [], waited: [] };
  const memory: { pid: number; shardId: string; rssMB: number; peakMB: number }[] = [];
  for (const c of conversations(worker.tapDir)) {
    let pending: { arrivals: number[] } | undefined;
    for (const l of c.lines) {
      if (l.from === 'daemon' && l.message.action === 'processRecords') {
        pending = { arrivals: (l.message.records as { approximateArrivalTimestamp: number }[]).map((r) => r.approximateArrivalTimestamp) };
      } else if (l.from === 'child' && l.message.action === 'status' && l.message.responseFor === 'processRecords' && pending !== undefined) {
        if (l.t >= startedAt + WARM_UP_MS && pending.arrivals.length > 0) {
          lags.behind.push(l.t - Math.max(...pending.arrivals));
          lags.waited.push(l.t - Math.min(...pending.arrivals));
        }
        pending = undefined;
      }
    }
    if (c.childPid !== undefined) {
      const status = readFileSync(`/proc/${c.childPid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      memory.push({ pid: c.childPid, shardId: c.shardId ?? '?', rssMB: Math.round(kb('VmRSS') / 1024), peakMB: Math.round(kb('VmHWM') / 1024) });
    }
  }
  worker.signal('SIGTERM');
  await worker.exited;
  return { lags, achieved, memory };
}

async function main(): Promise<void> {
  log(`${RATE} events/s for ${SECONDS} s on ${SHARDS} shards (${APPS} applications); daemon idleTimeBetweenReadsInMillis ${IDLE_MS}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const world = await startDaemonWorld();
  try {
    const local = await localDriver(world);
    log(`local driver (${local.achieved} events/s achieved): behind the newest event ${JSON.stringify(summary(local.behind))} ms; longest wait ${JSON.stringify(summary(local.waited))} ms`);
    const real = await daemon(world);
    log(`KCL daemon (${real.achieved} events/s achieved):   behind the newest event ${JSON.stringify(summary(real.lags.behind))} ms; longest wait ${JSON.stringify(summary(real.lags.waited))} ms`);
    log(`riposte kcl children: ${real.memory.map((m) => `${m.shardId} ${m.rssMB} MB resident (peak ${m.peakMB} MB)`).join('; ')}`);
    const result = {
      rate: RATE,
      seconds: SECONDS,
      shards: SHARDS,
      daemonIdleMs: IDLE_MS,
      local: { achieved: local.achieved, behindMs: summary(local.behind), waitedMs: summary(local.waited) },
      daemon: { achieved: real.achieved, behindMs: summary(real.lags.behind), waitedMs: summary(real.lags.waited), childMemory: real.memory },
      loadavg: loadavg(),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    killWorkers();
    await world.close();
  }
}

main().catch((error: unknown) => {
  log(String((error as Error).stack ?? error));
  killWorkers();
  process.exit(1);
});
