/**
 * The local driver end to end through kinesalite: events put with PutRecords, read by the driver,
 * run through the engine, responses written to DynamoDB (dynalite). kinesalite and dynalite run as
 * processes of their own, as remote services would; the producer and the driver share this one.
 *
 *   (0) baseline — the engine alone on the same events, in this process (CPU time): the ceiling
 *   (1) drain    — a backlog already in the stream, read to the end: the driver's read rate, and
 *                  its own CPU per event (decoding the GetRecords answers, the engine, writes)
 *   (2) flow     — producer and driver together, as fast as they go: events/s from the first
 *                  PutRecords to the last response written
 *   (3) lag      — a sustained load at a share of (2)'s rate: how far behind the driver falls —
 *                  from the arrival of a batch's newest record to the end of its write (behind),
 *                  and from its oldest (the longest an event waited) — percentiles over the run.
 *                  kinesalite always reports MillisBehindLatest 0, so the lag is measured here.
 *
 *   npm run bench:kinesis -- [events=60000] [shards=4] [loadShare=0.5] [loadSeconds=20]
 *
 * The last line is one JSON object with every figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createDynamoClient, createKinesisClient } from '../src/aws/clients';
import { ensureStream } from '../src/aws/stream';
import { checkpointsTable, ensureTable, responsesTable } from '../src/aws/tables';
import { StaticAppConfigSource } from '../src/engine/app-settings';
import { silentLogger } from '../src/core/ports';
import type { DriverDependencies } from '../src/drivers/dependencies';
import { DynamoCheckpointStore } from '../src/drivers/local/checkpoint-store';
import { LocalKinesisDriver } from '../src/drivers/local/local-driver';
import { ShardProcessor } from '../src/engine/processor';
import { JsonLinesDeadLetterSink } from '../src/sinks/dead-letter-file';
import { DynamoResponseStore } from '../src/sinks/dynamodb/responses-store';
import { builtInDetectors } from '../detectors';
import { mixEvent } from './generate';
import { seededRandom } from '../src/testing/random';
import { eventEntries } from '../test/helpers/local-kinesis';

const EVENTS = Number(process.argv[2] ?? 60_000);
const SHARDS = Number(process.argv[3] ?? 4);
const LOAD_SHARE = Number(process.argv[4] ?? 0.5);
const LOAD_SECONDS = Number(process.argv[5] ?? 20);
const APPS = 8;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const region = 'us-east-1';
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A free port (kinesalite's and dynalite's command lines take 0 for their default port). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startService(script: string, args: string[]): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [require.resolve(script), '--port', String(await freePort()), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.once('exit', (code) => {
    if (code !== null && code !== 0) log(`${script} exited with ${code}`);
  });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve));
  const port = /:(\d+)\s*$/.exec(line)?.[1];
  if (port === undefined) throw new Error(`${script} said "${line}"`);
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** Mixed traffic; every event has its application's id (what the stream's partition key is). */
function events(count: number, offset: number): Array<Record<string, unknown> & { appId: string }> {
  const rand = seededRandom(17 + offset);
  const o = { attackerShare: 0.02, ids: true, seed: 1, offset, apps: APPS };
  return Array.from({ length: count }, (_, k) => mixEvent(offset + k, rand, o) as Record<string, unknown> & { appId: string });
}

async function put(kinesis: KinesisClient, stream: string, batch: readonly PutRecordsRequestEntry[]): Promise<void> {
  let pending = [...batch];
  while (pending.length > 0) {
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
    pending = pending.filter((_, j) => out.Records?.[j]?.ErrorCode !== undefined);
  }
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main(): Promise<void> {
  const [kinesalite, dynalite] = await Promise.all([
    startService('kinesalite/cli.js', ['--createStreamMs', '0', '--shardLimit', '100']),
    startService('dynalite/cli.js', ['--createTableMs', '0']),
  ]);
  const kinesis = createKinesisClient({ endpoint: kinesalite.endpoint, region, credentials });
  const dynamo = createDynamoClient({ endpoint: dynalite.endpoint, region, credentials });
  await Promise.all([ensureTable(dynamo, responsesTable('bench-responses')), ensureTable(dynamo, checkpointsTable('bench-checkpoints'))]);
  const store = new DynamoResponseStore(dynamo, 'bench-responses');
  const deadLetters = new JsonLinesDeadLetterSink(join(mkdtempSync(join(tmpdir(), 'riposte-bench-')), 'dead-letters.jsonl'));
  const config = new StaticAppConfigSource(builtInDetectors);
  const deps: DriverDependencies = { sink: store, history: store, deadLetters, config, logger: silentLogger };
  const sample = events(EVENTS, 0);
  const bytes = sample.reduce((n, e) => n + JSON.stringify(e).length, 0);
  log(`${EVENTS} events of ${Math.round(bytes / EVENTS)} bytes on average, ${APPS} applications, ${SHARDS} shards; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  // (0) the engine alone: one processor per application group, as the shards would split them.
  const byApp = new Map<string, Array<Record<string, unknown>>>();
  for (const e of sample) byApp.set(e.appId as string, [...(byApp.get(e.appId as string) ?? []), e]);
  const cpu0 = cpuMs();
  for (const [app, evs] of byApp) {
    const processor = new ShardProcessor({ shardId: app, config });
    for (let i = 0; i < evs.length; i += 1000) {
      await processor.processBatch(evs.slice(i, i + 1000).map((e, k) => ({ data: Buffer.from(JSON.stringify(e)), sequenceNumber: String(i + k + 1), subSequenceNumber: 0 })));
    }
  }
  const engineRate = Math.round(EVENTS / ((cpuMs() - cpu0) / 1000));
  log(`(0) engine alone: ${engineRate} events/s (CPU time)`);

  let streamNo = 0;
  const newDriver = async () => {
    const stream = `bench-${++streamNo}`;
    await ensureStream(kinesis, stream, SHARDS);
    const driver = new LocalKinesisDriver({ streamName: stream, kinesis, checkpoints: new DynamoCheckpointStore(dynamo, 'bench-checkpoints', stream, 'bench'), deps });
    let processed = 0;
    const lags: number[] = [];
    const waits: number[] = [];
    driver.on('batch', (b) => {
      processed += b.records;
      if (b.arrivalLagMs !== null) lags.push(b.arrivalLagMs);
      if (b.oldestArrivalLagMs !== null) waits.push(b.oldestArrivalLagMs);
    });
    return { stream, driver, processed: () => processed, lags, waits };
  };
  const until = async (condition: () => boolean) => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  // (1) drain a backlog
  const a = await newDriver();
  const all = eventEntries(sample);
  let t = Date.now();
  for (let i = 0; i < all.length; i += 500) await put(kinesis, a.stream, all.slice(i, i + 500));
  const putRate = Math.round(EVENTS / ((Date.now() - t) / 1000));
  t = Date.now();
  const cpu1 = cpuMs();
  await a.driver.start();
  await until(() => a.processed() >= EVENTS);
  const drainRate = Math.round(EVENTS / ((Date.now() - t) / 1000));
  // The driver's own CPU per event (this process; kinesalite and dynalite are others): its cost
  // against the engine's, whatever the emulators' speed.
  const drainCpuRate = Math.round(EVENTS / ((cpuMs() - cpu1) / 1000));
  await a.driver.stop();
  log(
    `(1) PutRecords alone: ${putRate} events/s; drain of the backlog: ${drainRate} events/s (${(drainRate / engineRate).toFixed(3)} of the engine alone); ` +
      `the driver's own CPU: ${drainCpuRate} events per CPU-second (${(drainCpuRate / engineRate).toFixed(3)} of the engine alone)`,
  );

  // (2) producer and consumer together
  const b = await newDriver();
  await b.driver.start();
  t = Date.now();
  for (let i = 0; i < all.length; i += 500) await put(kinesis, b.stream, all.slice(i, i + 500));
  await until(() => b.processed() >= EVENTS);
  const flowRate = Math.round(EVENTS / ((Date.now() - t) / 1000));
  await b.driver.stop();
  log(`(2) end to end, PutRecords → responses written: ${flowRate} events/s (${(flowRate / engineRate).toFixed(3)} of the engine alone)`);

  // (3) a sustained load at a share of the end-to-end rate
  const c = await newDriver();
  await c.driver.start();
  const rate = Math.round(flowRate * LOAD_SHARE);
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let sent = 0;
  let offset = EVENTS;
  const started = Date.now();
  while (Date.now() - started < LOAD_SECONDS * 1000) {
    const tickStart = Date.now();
    const chunk = eventEntries(events(perTick, offset));
    offset += perTick;
    for (let i = 0; i < chunk.length; i += 500) await put(kinesis, c.stream, chunk.slice(i, i + 500));
    sent += perTick;
    const wait = tickMs - (Date.now() - tickStart);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const achieved = Math.round(sent / ((Date.now() - started) / 1000));
  const backlogAtEnd = sent - c.processed();
  await until(() => c.processed() >= sent);
  await c.driver.stop();
  const summary = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: Math.max(...xs) });
  const lag = summary(c.lags);
  const wait = summary(c.waits);
  log(
    `(3) sustained ${achieved} events/s for ${LOAD_SECONDS} s: behind the newest event p50 ${lag.p50} ms, p95 ${lag.p95} ms, max ${lag.max} ms; ` +
      `longest wait of an event p50 ${wait.p50} ms, p95 ${wait.p95} ms, max ${wait.max} ms; ${backlogAtEnd} events unread when the load stopped`,
  );

  const result = { events: EVENTS, shards: SHARDS, apps: APPS, engineRate, putRate, drainRate, drainCpuRate, flowRate, load: { target: rate, achieved, seconds: LOAD_SECONDS, lagMs: lag, waitMs: wait, backlogAtEnd }, loadavg: loadavg() };
  process.stdout.write(`${JSON.stringify(result)}\n`);

  kinesis.destroy();
  dynamo.destroy();
  await deadLetters.close();
  kinesalite.child.kill();
  dynalite.child.kill();
}

void main().catch((error: unknown) => {
  log(String((error as Error).stack ?? error));
  process.exit(1);
});
