/**
 * `npm run bench`: the detection core's throughput and memory, as ratios against baselines measured
 * in the same process (the machines are noisy; a ratio survives that, a number of events per second
 * does not).
 *   (a) decode floor — bytes → UTF-8 → JSON.parse, what any consumer must do
 *   (b) decode + validate — decodeEvent, the engine's first step
 *   (c) the full engine with every built-in detector
 *   (d) the same windows the common way, a Redis sorted set per actor (pipelined, local Redis)
 * Then memory per tracked window, and the heap under a flood of 5 million fresh actors.
 * Times are CPU time of this process, rounds interleaved, medians reported. (d) is timed on the wall
 * clock, since most of its time is spent waiting for Redis; the engine is timed the same way on the
 * same sample for that ratio. The last line is one JSON object with every figure.
 */
import Redis from 'ioredis';
import { StaticAppConfigSource } from '../src/engine/app-settings';
import { decodeEvent } from '../src/events/decode';
import { ShardProcessor, windowsForBudget } from '../src/engine/processor';
import { builtInDetectors } from '../detectors';
import { mixRecords, RecordStream } from './generate';
import { deleteKeys, redisWindows } from './redis-windows';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REDIS_EVENTS = Number(process.env.BENCH_REDIS_EVENTS ?? 100_000);
const FLOOD_EVENTS = Number(process.env.BENCH_FLOOD_EVENTS ?? 5_000_000);
const FLOOD_BUDGET_MB = Number(process.env.BENCH_FLOOD_BUDGET_MB ?? 256);
const BATCH = 1000;
const ROUNDS = 5;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)');

const config = new StaticAppConfigSource(builtInDetectors);
const log = (line: string) => process.stderr.write(`${line}\n`);

function rate(events: number, ms: number): number {
  return Math.round((events / ms) * 1000);
}

/**
 * CPU time (user + system) of this process, in ms. On a shared machine the wall clock also counts
 * the time other processes held the CPU; CPU time does not.
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timed(fn: () => void): number {
  const start = cpuMs();
  fn();
  return cpuMs() - start;
}

async function timedAsync(fn: () => Promise<void>): Promise<number> {
  const start = cpuMs();
  await fn();
  return cpuMs() - start;
}

function decodeFloor(stream: RecordStream): number {
  let fields = 0;
  for (let i = 0; i < stream.count; i += BATCH) {
    for (const r of stream.batch(i, i + BATCH)) {
      const event = JSON.parse(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('utf8')) as { type?: string };
      if (event.type !== undefined) fields++;
    }
  }
  return fields;
}

function decodeValidate(stream: RecordStream): number {
  let ok = 0;
  for (let i = 0; i < stream.count; i += BATCH) for (const r of stream.batch(i, i + BATCH)) if (decodeEvent(r.data).ok) ok++;
  return ok;
}

async function engine(stream: RecordStream): Promise<{ responses: number; processor: ShardProcessor }> {
  const processor = new ShardProcessor({ shardId: 'bench', config });
  let responses = 0;
  for (let i = 0; i < stream.count; i += BATCH) responses += (await processor.processBatch(stream.batch(i, i + BATCH))).responses.length;
  return { responses, processor };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function throughput() {
  log(`generating ${EVENTS.toLocaleString()} events…`);
  const records = RecordStream.generate(EVENTS);
  const bytes = records.byteLength;
  log(`  ${Math.round(bytes / EVENTS)} bytes per event on average`);
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  let responses = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    gc!();
    a.push(rate(EVENTS, timed(() => decodeFloor(records))));
    gc!();
    b.push(rate(EVENTS, timed(() => decodeValidate(records))));
    gc!();
    c.push(rate(EVENTS, await timedAsync(async () => void (responses = (await engine(records)).responses))));
    log(`  round ${round}: (a) ${a.at(-1)!.toLocaleString()}  (b) ${b.at(-1)!.toLocaleString()}  (c) ${c.at(-1)!.toLocaleString()} events/s`);
  }
  return { records, decodeFloor: median(a), decodeValidate: median(b), engine: median(c), responses, bytesPerEvent: Math.round(bytes / EVENTS) };
}

async function redisBaseline(records: RecordStream) {
  const sample = records.batch(0, REDIS_EVENTS);
  const sampleStream = RecordStream.generate(REDIS_EVENTS);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
  } catch (error) {
    log(`  (d) skipped: no Redis (${(error as Error).message})`);
    redis.disconnect();
    return null;
  }
  const prefix = `riposte-bench:${process.pid}:`;
  try {
    // The engine on the same sample, on the same (wall) clock, so the ratio compares like with like.
    const wall = async (fn: () => Promise<unknown>) => {
      const start = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const engineMs = await wall(() => engine(sampleStream));
    const redisMs = await wall(() => redisWindows(redis, sample, prefix));
    return { redis: rate(sample.length, redisMs), engineOnSample: rate(sample.length, engineMs) };
  } finally {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}

/**
 * Heap per window state: fresh actors only, no ids, lateness long enough that nothing expires. The
 * input is generated before the first measurement and kept alive until after the last, so the
 * difference is what the processor holds.
 */
async function memoryPerWindow() {
  const count = 300_000;
  const records = mixRecords(count, { attackerShare: 0, ids: false, seed: 3 });
  const processor = new ShardProcessor({ shardId: 'bench-memory', config, latenessSeconds: 3600, maxWindowStates: 10_000_000 });
  // Warm up the engine's one-time structures (compiled detectors, app contexts) before measuring.
  await processor.processBatch(records.slice(0, 10));
  gc!();
  gc!();
  const before = process.memoryUsage();
  const windowsBefore = processor.trackedWindows;
  for (let i = 10; i < count; i += BATCH) await processor.processBatch(records.slice(i, Math.min(count, i + BATCH)));
  gc!();
  gc!();
  const after = process.memoryUsage();
  const windows = processor.trackedWindows - windowsBefore;
  // Typed arrays live outside the JavaScript heap: count them too.
  const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  return { windows, bytesPerWindow: Math.round(held / windows), keepAlive: [processor, records] };
}

/** 5 million fresh actors through one processor with a budget: the heap must stay within it. */
async function flood(bytesPerWindow: number) {
  const maxWindowStates = windowsForBudget(FLOOD_BUDGET_MB);
  const processor = new ShardProcessor({ shardId: 'bench-flood', config, maxWindowStates, latenessSeconds: 3600 });
  gc!();
  const heldBy = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = heldBy();
  let peak = 0;
  const chunk = 100_000;
  // The input is made and dropped chunk by chunk: what is measured is what the processor holds, not
  // the bench's 100,000 records in hand (up to ~120 MB, which made the figure swing run to run).
  const feed = async (offset: number) => {
    const records = mixRecords(Math.min(chunk, FLOOD_EVENTS - offset), { attackerShare: 0, ids: true, seed: 5, offset });
    for (let i = 0; i < records.length; i += BATCH) await processor.processBatch(records.slice(i, i + BATCH));
  };
  for (let offset = 0; offset < FLOOD_EVENTS; offset += chunk) {
    await feed(offset);
    if ((offset / chunk) % 10 === 9) {
      gc!();
      gc!();
      peak = Math.max(peak, heldBy() - before);
      log(`  flood: ${(offset + chunk).toLocaleString()} actors, ${processor.trackedWindows.toLocaleString()} windows, heap +${Math.round(peak / 1048576)} MB`);
    }
  }
  gc!();
  gc!();
  peak = Math.max(peak, heldBy() - before);
  return {
    budgetMB: FLOOD_BUDGET_MB,
    maxWindowStates,
    peakHeapMB: Math.round(peak / 1048576),
    evicted: processor.budget.evicted,
    trackedWindows: processor.trackedWindows,
    windowBytesAtBudget: Math.round((maxWindowStates * bytesPerWindow) / 1048576),
  };
}

async function main() {
  log(`node ${process.version}`);
  const t = await throughput();
  const d = await redisBaseline(t.records);
  const m = await memoryPerWindow();
  void m.keepAlive;
  const f = await flood(m.bytesPerWindow);

  const figures = {
    events: EVENTS,
    bytesPerEvent: t.bytesPerEvent,
    decodeFloorPerSec: t.decodeFloor,
    decodeValidatePerSec: t.decodeValidate,
    enginePerSec: t.engine,
    redisWindowsPerSec: d?.redis ?? null,
    engineOnRedisSamplePerSec: d?.engineOnSample ?? null,
    engineVsDecodeFloor: +(t.engine / t.decodeFloor).toFixed(3),
    validateVsDecodeFloor: +(t.decodeValidate / t.decodeFloor).toFixed(3),
    engineVsRedis: d === null ? null : +(d.engineOnSample / d.redis).toFixed(1),
    responses: t.responses,
    bytesPerWindow: m.bytesPerWindow,
    floodActors: FLOOD_EVENTS,
    floodBudgetMB: f.budgetMB,
    floodPeakHeapMB: f.peakHeapMB,
    floodEvicted: f.evicted,
    targets: {
      engineAtLeastHalfOfDecodeFloor: t.engine >= 0.5 * t.decodeFloor,
      engineAtLeast5xRedis: d === null ? null : d.engineOnSample >= 5 * d.redis,
      atMost200BytesPerWindow: m.bytesPerWindow <= 200,
      floodWithinBudget: f.peakHeapMB <= f.budgetMB,
    },
  };
  log('');
  log(`(a) decode floor        ${t.decodeFloor.toLocaleString()} events/s`);
  log(`(b) decode + validate   ${t.decodeValidate.toLocaleString()} events/s   ${figures.validateVsDecodeFloor} × (a)`);
  log(`(c) engine, 5 detectors ${t.engine.toLocaleString()} events/s   ${figures.engineVsDecodeFloor} × (a)   (target ≥ 0.5)`);
  if (d !== null) log(`(d) Redis sorted sets   ${d.redis.toLocaleString()} events/s   engine ${figures.engineVsRedis} × (d)   (target ≥ 5)`);
  log(`memory: ${m.bytesPerWindow} bytes per tracked window over ${m.windows.toLocaleString()} windows (target ≤ 200)`);
  log(`flood: ${FLOOD_EVENTS.toLocaleString()} fresh actors, heap +${f.peakHeapMB} MB at peak, budget ${f.budgetMB} MB (${f.maxWindowStates.toLocaleString()} windows), ${f.evicted.toLocaleString()} evicted`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
