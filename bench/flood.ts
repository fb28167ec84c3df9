/**
 * One application's flood against another's detection, on one shard: how long after the threshold
 * event of a brute force against the victim application is its ban received by the victim's agent,
 * while another application posts as hard as it can.
 *
 * `riposte start --shards 1` runs as a child process (a temporary data directory, a free port, the
 * embedded stack), with two applications: `victim` and `flood`. The flood application is given an
 * ingest quota it cannot reach (the write path's per-application quota is another defence; this
 * measures the shard processor's), and a child process posts its events — failed logins from fresh
 * addresses, the costliest kind for the detectors — with CONCURRENCY requests of 500 in flight. Then,
 * N times, a brute force against the victim (9 failed logins, then the 10th, the threshold event),
 * timed from the 202 of the 10th to the ban reaching the victim's long-polling agent.
 * First N times without the flood (the baseline, same run), then N times during it.
 *
 *   npm run bench:flood [-- iterations=10 concurrency=6 warmupSeconds=5 quota=9000 profile=<dir>
 *                         floodSeconds=240 heapSnapshots=<dir>]
 *
 * `floodSeconds`: the flood goes on at least that long, after the measures if they end sooner (to
 * follow its memory). Every 30 s of it the server's memory by thread (`riposte_memory_bytes`) is logged.
 * `heapSnapshots=<dir>`: the main thread writes a heap snapshot there (`--heapsnapshot-signal`) 60 s
 * into the flood and again just before it stops, to compare what holds any growth.
 *
 * `profile=<dir>`: `riposte start` runs with `--cpu-prof` and writes its profiles (one per thread:
 * the API's, the emulators') there when it stops.
 *
 * Progress on standard error; the last line is one JSON object with every figure.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import loginBruteForce from '../detectors/login-brute-force';
import { AgentApi } from '../scripts/lib/agent-api';
import { addApp, waitForToken } from '../scripts/lib/create-app';
import { BanWaiters, ResponseWatcher, type SeenResponse } from '../scripts/lib/response-watcher';
import { startRiposteProcess } from '../test/helpers/riposte-process';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const ITERATIONS = Number(args.iterations ?? 10);
const CONCURRENCY = Number(args.concurrency ?? 6);
const WARMUP_SECONDS = Number(args.warmupSeconds ?? 5);
const THRESHOLD = loginBruteForce.params.parse({}).threshold;
const TIMEOUT_MS = 60_000;
const BATCH = 500;
/**
 * The flood application's ingest quota, events/s: `default` (5,000), or a number (an operator who
 * granted it more; beyond ~2,850 events/s it is more than a real shard takes in, which kinesalite
 * does not enforce).
 */
const QUOTA = args.quota ?? 'default';
const PROFILE_DIR = args.profile;
const FLOOD_SECONDS = Number(args.floodSeconds ?? 0);
const SNAPSHOT_DIR = args.heapSnapshots;

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The flooding agent fleet, in a process of its own so that its work does not delay the timing here. */
async function flooder(url: string, token: string): Promise<void> {
  const api = new AgentApi(url, token);
  let running = true;
  let accepted = 0;
  let refused = 0;
  let serial = 0;
  process.on('message', (m) => {
    if (m === 'stop') running = false;
  });
  const report = setInterval(() => process.send?.({ accepted, refused }), 1000);
  const loop = async (lane: number) => {
    while (running) {
      const now = Date.now();
      const events = Array.from({ length: BATCH }, (_, k) => {
        const n = serial++;
        return {
          v: 1,
          id: `flood-${lane}:${n}`,
          ts: new Date(now - k).toISOString(),
          type: 'login_failure',
          actor: { ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, userAgent: 'flood/1.0' },
          user: { login: `user${n % 100_000}@example.com` },
          request: { method: 'POST', path: '/login', status: 401 },
        };
      });
      const outcome = await api.postEvents(events);
      if (outcome.kind === 'accepted') accepted += BATCH - outcome.rejected.length;
      else {
        refused += BATCH;
        await sleep(20);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, lane) => loop(lane)));
  clearInterval(report);
  process.send?.({ accepted, refused, done: true });
}

interface Figures {
  iterations: number;
  banned: number;
  p50Ms: number | null;
  maxMs: number | null;
  minMs: number | null;
  all: number[];
}

function figures(latencies: readonly number[], iterations: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { iterations, banned: sorted.length, p50Ms: sorted[Math.floor((sorted.length - 1) / 2)] ?? null, maxMs: sorted.at(-1) ?? null, minMs: sorted[0] ?? null, all: [...latencies] };
}

/**
 * A process's resident memory, MB (Linux's /proc; undefined elsewhere or once it has gone): all of it
 * (`VmRSS`), or its file-backed part (`RssFile`: mapped files, such as LevelDB's table files).
 */
function rssMb(pid: number | undefined, field: 'VmRSS' | 'RssFile' = 'VmRSS'): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

const snapshotsIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;

/** The server's riposte_memory_bytes, MB, as `thread kind`: value. */
async function memoryByThread(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const figures: Record<string, number> = {};
  for (const match of text.matchAll(/^riposte_memory_bytes\{thread="([^"]+)",kind="([^"]+)"\} (\S+)$/gm)) {
    figures[`${match[1]} ${match[2]}`] = Math.round(Number(match[3]) / 2 ** 20);
  }
  return figures;
}

const show = (f: Figures) => `p50 ${f.p50Ms} ms, max ${f.maxMs} ms, min ${f.minMs} ms (${f.banned}/${f.iterations} banned)`;

async function main(): Promise<void> {
  const began = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-flood-'));
  const quota = join(dataDir, 'flood.yaml');
  if (QUOTA !== 'default') writeFileSync(quota, `ingest: { eventsPerSecond: ${Number(QUOTA)}, burstEvents: ${2 * Number(QUOTA)} }\n`);
  const victimToken = await addApp('victim', dataDir);
  const floodToken = await addApp('flood', dataDir, QUOTA === 'default' ? [] : ['--settings', quota]);
  const nodeArgs = [
    ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`]),
    ...(SNAPSHOT_DIR === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOT_DIR}`]),
  ];
  const server = await startRiposteProcess(dataDir, {}, undefined, { args: ['--shards', '1'], nodeArgs });
  let flood: ReturnType<typeof fork> | undefined;
  // The server must survive the flood: its memory is followed, and if it exits, how and why is said at once.
  let peakRssMb = 0;
  let ticks = 0;
  const memory = setInterval(() => {
    const now = rssMb(server.child.pid) ?? 0;
    peakRssMb = Math.max(peakRssMb, now);
    if (++ticks % 10 === 0) log(`riposte start: RSS ${now} MB (peak ${peakRssMb} MB)`);
  }, 1000);
  let stopping = false;
  server.child.once('exit', (code, signal) => {
    if (stopping) return;
    const errors = server.logs().filter((l) => Number(l.level) >= 50).slice(-3);
    log(`riposte start EXITED (code ${code}, signal ${signal}); peak RSS ${peakRssMb} MB; its last errors: ${errors.map((l) => JSON.stringify(l).slice(0, 1000)).join('\n')}`);
    log(`the end of its standard error:\n${server.stderrTail(3000)}`);
  });
  try {
    await waitForToken(server.url, victimToken);
    log(`riposte start --shards 1 on ${server.url} (data in ${dataDir})`);
    const victim = new AgentApi(server.url, victimToken);

    const waiting = new BanWaiters();
    const onSeen = ({ response, at }: SeenResponse) => {
      if (response.status === 'active' && response.detector === loginBruteForce.name) waiting.seen(response.target.value, at);
    };
    const watcher = new ResponseWatcher(victim, 'victim-agent', onSeen, { waitSeconds: 30, warn: log });
    await watcher.start();

    let attacker = 0;
    const measure = async (label: string): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const ip = `203.0.113.${++attacker}`;
        const now = Date.now();
        const failure = (k: number) => ({
          v: 1,
          id: `victim-attacker:${attacker}:${k}`,
          ts: new Date(now - (THRESHOLD - k) * 50).toISOString(),
          type: 'login_failure',
          actor: { ip },
          user: { login: 'alice@example.com' },
          request: { method: 'POST', path: '/login', status: 401 },
        });
        const first = await victim.postEvents(Array.from({ length: THRESHOLD - 1 }, (_, k) => failure(k)));
        if (first.kind !== 'accepted') throw new Error(first.message);
        const seen = waiting.expect(ip, TIMEOUT_MS);
        const last = await victim.postEvents([failure(THRESHOLD - 1)]);
        if (last.kind !== 'accepted') throw new Error(last.message);
        const at = await seen;
        if (at === undefined) log(`${label} ${i + 1}/${ITERATIONS}: no ban of ${ip} within ${TIMEOUT_MS} ms`);
        else {
          latencies.push(at - last.at);
          log(`${label} ${i + 1}/${ITERATIONS}: banned ${at - last.at} ms after the threshold event was accepted`);
        }
        await sleep(500);
      }
      return latencies;
    };

    const quiet = await measure('no flood');

    flood = fork(__filename, ['flooder', server.url, floodToken, `concurrency=${CONCURRENCY}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let floodStats = { accepted: 0, refused: 0 };
    flood.on('message', (m) => (floodStats = m as typeof floodStats));
    await sleep(WARMUP_SECONDS * 1000);
    log(`flood: ${floodStats.accepted} events accepted in the first ${WARMUP_SECONDS} s`);
    const floodStarted = Date.now() - WARMUP_SECONDS * 1000;
    const memoryLog: { floodSeconds: number; mb: Record<string, number> }[] = [];
    const followMemory = setInterval(() => {
      void memoryByThread(server.url).then((byThread) => {
        // What RSS has beyond the heaps is mapped files or native memory: the first is told apart here.
        const mb = { ...byThread, 'process rssFile': rssMb(server.child.pid, 'RssFile') ?? NaN };
        const floodSeconds = Math.round((Date.now() - floodStarted) / 1000);
        memoryLog.push({ floodSeconds, mb });
        log(`memory after ${floodSeconds} s of flood, MB: ${JSON.stringify(mb)}`);
      }, () => undefined);
    }, 30_000);
    const snapshot = () => SNAPSHOT_DIR !== undefined && server.child.kill('SIGUSR2');
    const firstSnapshot = setTimeout(snapshot, 60_000 - WARMUP_SECONDS * 1000);
    const flooded = await measure('flood');
    const left = floodStarted + FLOOD_SECONDS * 1000 - Date.now();
    if (left > 0) {
      log(`flooding ${Math.round(left / 1000)} s more (floodSeconds=${FLOOD_SECONDS})`);
      await sleep(left);
    }
    clearTimeout(firstSnapshot);
    clearInterval(followMemory);
    if (SNAPSHOT_DIR !== undefined) {
      const before = snapshotsIn(SNAPSHOT_DIR);
      snapshot();
      // The main thread writes the snapshot synchronously once its file exists: a scrape is answered
      // only after it is complete, and the server is not asked to stop in the middle of it.
      while (snapshotsIn(SNAPSHOT_DIR) === before) await sleep(200);
      await memoryByThread(server.url);
      log(`heap snapshots in ${SNAPSHOT_DIR}`);
    }
    const floodSeconds = (Date.now() - floodStarted) / 1000;
    const stopped = new Promise((resolve) => flood?.once('exit', resolve));
    flood.send('stop');
    await stopped;
    await watcher.stop();

    const lag = await (await fetch(`${server.url}/metrics`)).text();
    const result = {
      bench: 'flood',
      measures: 'ingest API 202 of the victim application\'s threshold event (10th failed login from one address) → the ban received by its agent long-polling GET /v1/agent/responses, while another application on the same shard floods',
      stack: 'riposte start --shards 1 (embedded kinesalite + dynalite, local driver)',
      noFlood: figures(quiet, ITERATIONS),
      flood: { ...figures(flooded, ITERATIONS), floodEvents: floodStats.accepted, floodEventsPerSecond: Math.round(floodStats.accepted / floodSeconds), refusedEvents: floodStats.refused, concurrency: CONCURRENCY, quota: QUOTA },
      lagByApp: lag.split('\n').filter((l) => l.startsWith('riposte_app_lag')),
      // Who fills the write lanes, and what was shed for the applications' response rate.
      pendingByApp: lag.split('\n').filter((l) => l.startsWith('riposte_app_pending_responses')),
      shedByApp: lag.split('\n').filter((l) => l.startsWith('riposte_app_responses_shed_total')),
      serverPeakRssMb: peakRssMb,
      memoryByThreadMb: memoryLog,
      node: process.version,
      cpus: cpus().length,
      seconds: Math.round((Date.now() - began) / 1000),
    };
    log(`no flood: ${show(result.noFlood)}`);
    log(`flood:    ${show(result.flood)} — ${result.flood.floodEvents} flood events (${result.flood.floodEventsPerSecond}/s)`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(memory);
    stopping = true;
    flood?.kill('SIGKILL');
    const code = await Promise.race([server.stop(), sleep(15_000).then(() => 'still running after 15 s' as const)]);
    if (code !== 0) {
      const errors = server.logs().filter((l) => Number(l.level) >= 50).slice(-5);
      log(`riposte start did not stop cleanly (${code}); its last errors: ${errors.map((l) => JSON.stringify(l).slice(0, 1000)).join('\n')}`);
      server.child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'flooder') {
  flooder(process.argv[3] as string, process.argv[4] as string).then(
    () => process.exit(0),
    (error: unknown) => {
      log(String((error as Error).stack ?? error));
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    log(String((error as Error).stack ?? error));
    process.exitCode = 1;
  });
}
