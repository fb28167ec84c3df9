/**
 * The write path at load: 50 agents posting batches of 10 events over keep-alive connections
 * (autocannon), in one run, against
 *   (a) a bare fastify server in its own process that only parses the same bodies, and
 *   (b) Riposte: `riposte start` on its embedded Kinesis and DynamoDB, as a new user runs it.
 * Prints requests/s, events/s, p50/p99 for each, the ratio (b)/(a), and from Riposte's /metrics the
 * events per Kinesis record and the PutRecords calls per second. Nothing may be lost: among the load,
 * attackers each send exactly the brute-force threshold, and each must be banned, once.
 *
 *   npm run bench:ingest                    (10 s per case)
 *   BENCH_SECONDS=5 npm run bench:ingest
 *   BENCH_BASELINE_ROOT=/tmp/before npm run bench:ingest   (also another checkout, e.g. before a change)
 *   BENCH_PROFILE=/tmp/prof npm run bench:ingest   (a --cpu-prof of each `riposte start`, in that directory)
 *
 * Targets: (b) >= 0.5 x (a) with p99 <= 100 ms; >= 50 events per Kinesis record; every attacker
 * banned once. The last line is one JSON object with every figure.
 *
 * Each case also gets the CPU its server process spent per request (all its threads, from
 * /proc/<pid>/stat; Linux only): on a shared machine requests/s follows how much CPU the server was
 * given, CPU per request much less so, and it is what decides the ratio once CPU is the bound. For
 * Riposte, also its main thread's alone: the API's event loop, which one core bounds whatever the
 * emulators' threads do.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import loginBruteForce from '../detectors/login-brute-force';
import { REPO_ROOT } from '../scripts/lib/repo-root';
import { demoToken, startRiposteProcess } from '../test/helpers/riposte-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: object) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '2xx': number;
  duration: number;
}

interface Context {
  /** The attackers whose events the request in flight on this connection carries. */
  attackers?: number[];
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const BATCH = 10;
const THRESHOLD = loginBruteForce.params.parse({}).threshold;
const ATTACKERS = Number(process.env.BENCH_ATTACKERS ?? 200);
const log = (line: string) => process.stderr.write(`${line}\n`);

/** What agents send: page views and API calls mostly, some failed logins, user agents and hosts. */
function benignEvent(n: number, now: string): object {
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  if (n % 20 === 0) {
    return { v: 1, id: `bench:${n}`, ts: now, type: 'login_failure', actor: { ip, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' }, user: { login: `user${n % 5000}@example.com` }, request: { method: 'POST', path: '/login', status: 401 }, agent: { id: `agent-${n % 50}`, host: `web-${n % 12}` } };
  }
  return { v: 1, id: `bench:${n}`, ts: now, type: 'request', actor: { ip, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' }, request: { method: 'GET', path: `/products/${n % 997}`, status: 200 }, agent: { id: `agent-${n % 50}`, host: `web-${n % 12}` } };
}

const attackerIp = (a: number) => `198.18.${a >> 8}.${a & 255}`;

/**
 * The bodies: each request carries nine or ten benign events and, while attacks last, one failed
 * login of an attacker, round robin, so that each attacker's ten are spread over ten requests.
 */
class Traffic {
  private n = 0;
  private attackEvents = 0;
  /** Attackers with an event that was not answered 202: they cannot be expected banned. */
  readonly incomplete = new Set<number>();
  /** Events of each attacker answered 202: only those with all of them can be expected banned. */
  readonly delivered = new Map<number, number>();

  constructor(private readonly attackers: number) {}

  body(context: Context): string {
    const now = new Date().toISOString();
    const events: object[] = [];
    context.attackers = [];
    if (this.attackEvents < this.attackers * THRESHOLD) {
      const a = this.attackEvents % this.attackers;
      const i = Math.floor(this.attackEvents / this.attackers);
      this.attackEvents++;
      context.attackers.push(a);
      events.push({ v: 1, id: `attack:${a}:${i}`, ts: now, type: 'login_failure', actor: { ip: attackerIp(a) }, user: { login: `victim${a}@example.com` }, request: { method: 'POST', path: '/login', status: 401 } });
    }
    while (events.length < BATCH) events.push(benignEvent(this.n++, now));
    return JSON.stringify({ events });
  }

  answered(status: number, context: Context): void {
    for (const a of context.attackers ?? []) {
      if (status === 202) this.delivered.set(a, (this.delivered.get(a) ?? 0) + 1);
      else this.incomplete.add(a);
    }
  }
}

async function load(url: string, token: string, seconds: number, traffic: Traffic): Promise<AutocannonResult> {
  return autocannon({
    url: `${url}/v1/events`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request: object, context: Context) => ({ ...request, body: traffic.body(context) }),
        onResponse: (status: number, _body: string, context: Context) => traffic.answered(status, context),
      },
    ],
  });
}

/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 where it cannot be asked). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system) the process has spent, ms: every thread, or with `thread`, the main
 * thread alone (its id is the process's), where the API's event loop runs. Undefined off Linux.
 */
function cpuMs(pid: number | undefined, thread: 'all' | 'main' = 'all'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const path = thread === 'all' ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`;
    const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

interface Measured {
  result: AutocannonResult;
  /** CPU of the whole server process per request, ms. */
  cpuMsPerRequest: number | undefined;
  /** CPU of its main thread (the API's event loop) per request, ms. */
  mainThreadCpuMsPerRequest: number | undefined;
}

/** The load, and the CPU the server process `pid` (and its main thread) spent per request meanwhile. */
async function measured(pid: number | undefined, run: () => Promise<AutocannonResult>): Promise<Measured> {
  const before = { all: cpuMs(pid), main: cpuMs(pid, 'main') };
  const result = await run();
  const after = { all: cpuMs(pid), main: cpuMs(pid, 'main') };
  const requests = result['2xx'] + result.non2xx;
  const perRequest = (b: number | undefined, a: number | undefined) => (b === undefined || a === undefined || requests === 0 ? undefined : Math.round(((a - b) / requests) * 1000) / 1000);
  return { result, cpuMsPerRequest: perRequest(before.all, after.all), mainThreadCpuMsPerRequest: perRequest(before.main, after.main) };
}

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'ingest-bare-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return { url, child };
}

/** Sums the series of a metric in Prometheus text. */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

interface Row extends Measured {
  name: string;
}

interface RiposteRun extends Measured {
  figures: { putRecordsPerSecond: number; eventsPerRecord: number; attackers: number; attackersComplete: number; attackersBanned: number; bannedTwice: number };
}

/**
 * `riposte start` from `root` (this checkout, or another one for a before/after comparison), under
 * the load with its attackers; then waits for the bans.
 */
async function runRiposte(root: string, current: boolean): Promise<RiposteRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-bench-ingest-'));
  // The bench measures throughput, not the rate limit: one application posts far more than the
  // default allows. The limiter still runs on every request. (A checkout from before the limit has
  // no such setting: BENCH_BASELINE_UNLIMITED=0 leaves it out for one.) The log level must be one
  // that logs "Riposte is running" (info or below): the bench waits for that line.
  const settings = join(dataDir, 'settings.yaml');
  writeFileSync(settings, 'defaults:\n  ingest: { eventsPerSecond: 10000000, burstEvents: 10000000 }\n');
  const limited = current || process.env.BENCH_BASELINE_UNLIMITED !== '0';
  const env = { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...(limited ? { RIPOSTE_SETTINGS: settings } : {}) };
  // A profile covers the whole life of the process (start-up, warm-up, load, the wait for bans):
  // read its samples between the load's first and last request.
  const profile = process.env.BENCH_PROFILE;
  const nodeArgs = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const riposte = await startRiposteProcess(join(dataDir, 'data'), env, root, { nodeArgs });
  try {
    const token = await demoToken(riposte);
    await load(riposte.url, token, 2, new Traffic(0)); // warm-up
    const counters = async () => ({
      calls: await metric(riposte.url, 'riposte_ingest_put_records_calls_total'),
      records: await metric(riposte.url, 'riposte_ingest_kinesis_records_total'),
      events: await metric(riposte.url, 'riposte_ingest_stream_events_total'),
    });
    const before = await counters();
    const traffic = new Traffic(ATTACKERS);
    const { result, cpuMsPerRequest, mainThreadCpuMsPerRequest } = await measured(riposte.child.pid, () => load(riposte.url, token, SECONDS, traffic));
    const after = await counters();

    // Nothing lost: every attacker whose ten events were all answered 202 is banned, once.
    const expected = new Set<string>();
    for (let a = 0; a < ATTACKERS; a++) if (!traffic.incomplete.has(a) && traffic.delivered.get(a) === THRESHOLD) expected.add(attackerIp(a));
    log(`waiting for ${expected.size} bans (${traffic.incomplete.size} attackers had an event refused, ${ATTACKERS - expected.size} in all are not complete)…`);
    const deadline = Date.now() + 120_000;
    let bans: string[] = [];
    for (;;) {
      const page = (await (await fetch(`${riposte.url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } })).json()) as { responses: { target: { value: string }; detector: string }[] };
      bans = page.responses.filter((r) => r.detector === 'login-brute-force' && r.target.value.startsWith('198.18.')).map((r) => r.target.value);
      if ([...expected].every((ip) => bans.includes(ip)) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const banned = new Set(bans);
    await riposte.stop();
    return {
      result,
      cpuMsPerRequest,
      mainThreadCpuMsPerRequest,
      figures: {
        putRecordsPerSecond: Math.round((after.calls - before.calls) / result.duration),
        eventsPerRecord: Math.round(((after.events - before.events) / Math.max(1, after.records - before.records)) * 10) / 10,
        attackers: ATTACKERS,
        attackersComplete: expected.size,
        attackersBanned: [...expected].filter((ip) => banned.has(ip)).length,
        bannedTwice: bans.length - banned.size,
      },
    };
  } finally {
    riposte.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const bare = await startBare();
  try {
    await load(bare.url, 'none', 2, new Traffic(0)); // warm-up: JIT, connections
    rows.push({ name: '(a) bare fastify, parsing only', ...(await measured(bare.child.pid, () => load(bare.url, 'none', SECONDS, new Traffic(0)))) });
  } finally {
    bare.child.kill('SIGTERM');
  }
  const run = await runRiposte(REPO_ROOT, true);
  rows.push({ name: '(b) Riposte POST /v1/events, embedded', ...run });
  // BENCH_BASELINE_ROOT: another checkout (e.g. the commit before this change) measured in the same run.
  const baselineRoot = process.env.BENCH_BASELINE_ROOT;
  const baseline = baselineRoot === undefined ? undefined : await runRiposte(baselineRoot, false);
  if (baseline !== undefined) rows.push({ name: `(c) Riposte at ${baselineRoot}`, ...baseline });
  const figures = run.figures;

  const [a, b] = rows.map((r) => r.result) as [AutocannonResult, AutocannonResult];
  const ratio = b.requests.average / a.requests.average;
  process.stdout.write(`\nPOST /v1/events, ${CONNECTIONS} agents × ${BATCH} events per request, keep-alive, ${SECONDS} s per case, node ${process.version}\n\n`);
  const cpuA = (rows[0] as Row).cpuMsPerRequest;
  const cpuShare = (cpu: number | undefined) => (cpu === undefined || cpuA === undefined || cpu === 0 ? undefined : Math.round((cpuA / cpu) * 100) / 100);
  process.stdout.write('| case | requests/s | events/s | p50 ms | p99 ms | non-2xx | vs (a) | CPU ms per request | (a)\'s CPU per request ÷ this |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const { name, result, cpuMsPerRequest } of rows) {
    process.stdout.write(
      `| ${name} | ${Math.round(result.requests.average)} | ${Math.round(result.requests.average * BATCH)} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx + result.errors} | ` +
        `${(result.requests.average / a.requests.average).toFixed(2)} | ${cpuMsPerRequest ?? '?'} | ${cpuShare(cpuMsPerRequest) ?? '?'} |\n`,
    );
  }
  process.stdout.write(
    `\nratio (b)/(a): ${ratio.toFixed(2)} (target >= 0.5), p99 ${b.latency.p99} ms (target <= 100); ` +
      `${figures.eventsPerRecord} events per Kinesis record (target >= 50), ${figures.putRecordsPerSecond} PutRecords/s; ` +
      `attackers banned ${figures.attackersBanned} of ${figures.attackersComplete}, banned twice ${figures.bannedTwice}` +
      `${baseline === undefined ? '' : `; baseline: ${baseline.figures.attackersBanned} of ${baseline.figures.attackersComplete} banned`}\n`,
  );
  process.stdout.write(`main thread (the API's event loop) CPU ms per request: ${rows.map((r) => `${r.name.slice(0, 3)} ${r.mainThreadCpuMsPerRequest ?? '?'}`).join(', ')}\n`);
  const targets = {
    ratio: ratio >= 0.5,
    p99: b.latency.p99 <= 100,
    eventsPerRecord: figures.eventsPerRecord >= 50,
    nothingLost: figures.attackersBanned === figures.attackersComplete && figures.bannedTwice === 0 && figures.attackersComplete > 0,
  };
  const summary = ({ result: r, cpuMsPerRequest, mainThreadCpuMsPerRequest }: Measured) => ({
    requestsPerSecond: Math.round(r.requests.average),
    eventsPerSecond: Math.round(r.requests.average * BATCH),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuMsPerRequest,
    mainThreadCpuMsPerRequest,
  });
  const before =
    baseline === undefined
      ? {}
      : { baseline: { root: baselineRoot, ...summary(baseline), ratio: Math.round((baseline.result.requests.average / a.requests.average) * 100) / 100, cpuRatio: cpuShare(baseline.cpuMsPerRequest) } };
  process.stdout.write(
    `${JSON.stringify({ bench: 'ingest', seconds: SECONDS, connections: CONNECTIONS, batch: BATCH, bare: summary(rows[0] as Row), riposte: summary(run), ratio: Math.round(ratio * 100) / 100, cpuRatio: cpuShare(run.cpuMsPerRequest), ...figures, ...before, targets })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
