/**
 * Detection latency on the embedded stack, as agents live it: from the ingest API accepting (202)
 * the event that crosses a detector's threshold, to the ban reaching an agent that long-polls
 * GET /v1/agent/responses?since=…&wait=….
 *
 * `riposte start` runs as a child process (a temporary data directory, a free port, embedded Kinesis
 * and DynamoDB, 2 shards). Then, N times, a brute force from a fresh address: 9 failed logins in one
 * POST, a random pause (0–700 ms, so that the threshold event lands at any point of the reader's
 * polling cycle), then the 10th alone — the threshold event; one agent long-polls the responses.
 *   (1) busy — meanwhile a fleet of 4 agents posts benign traffic to the same application (so to the
 *       same shard) at RATE events/s: logins, page views, API calls, a few 404s.
 *   (2) idle — the same with no other traffic: the shard reader waits its idle interval after each
 *       empty read, which is the worst case for a quiet application.
 *
 *   npm run bench:latency [-- iterations=60 rate=50 idleIterations=40]
 *
 * Progress on standard error; the last line is one JSON object with every figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_DRIVER_DEFAULTS } from '../src/drivers/local/local-driver';
import loginBruteForce from '../detectors/login-brute-force';
import { AgentApi } from '../scripts/lib/agent-api';
import { AddressBook, benignUserCount, benignUsers, playBenignTraffic } from '../scripts/lib/actors';
import { AgentFleet } from '../scripts/lib/fleet';
import { Random } from '../scripts/lib/random';
import { BanWaiters, ResponseWatcher, type SeenResponse } from '../scripts/lib/response-watcher';
import { demoToken, startRiposteProcess } from '../test/helpers/riposte-process';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const ITERATIONS = Number(args.iterations ?? 60);
const RATE = Number(args.rate ?? 50);
const IDLE_ITERATIONS = Number(args.idleIterations ?? 40);
const THRESHOLD = loginBruteForce.params.parse({}).threshold;
/** The shard reader's spacing between reads that return records (src/drivers/local/local-driver.ts). */
const MIN_TIME_BETWEEN_READS_MS = 200;
const SHARDS = 2;
const TIMEOUT_MS = 10_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Figures {
  iterations: number;
  detected: number;
  missed: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  minMs: number | null;
  meanMs: number | null;
}

/** Nearest-rank percentiles. */
function figures(latencies: number[], iterations: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? null : (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number));
  return {
    iterations,
    detected: sorted.length,
    missed: iterations - sorted.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? null,
    minMs: sorted[0] ?? null,
    meanMs: sorted.length === 0 ? null : Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

const show = (f: Figures) => `p50 ${f.p50Ms} ms, p90 ${f.p90Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms, min ${f.minMs} ms (${f.detected}/${f.iterations} detected)`;

async function main(): Promise<void> {
  const began = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-latency-'));
  const server = await startRiposteProcess(dataDir);
  try {
    const token = await demoToken(server);
    const api = new AgentApi(server.url, token);
    log(`riposte start on ${server.url} (embedded, ${SHARDS} shards, data in ${dataDir})`);

    // The agent that long-polls, and who waits for which address.
    const waiting = new BanWaiters();
    const unexpected: string[] = [];
    const onSeen = ({ response, at }: SeenResponse) => {
      if (response.status !== 'active') return;
      if (!(response.detector === loginBruteForce.name && waiting.seen(response.target.value, at))) unexpected.push(`${response.action} ${response.target.type} ${response.target.value} by ${response.detector}`);
    };
    const watcher = new ResponseWatcher(api, 'bench-agent', onSeen, { waitSeconds: 30, warn: log });
    await watcher.start();

    const random = new Random(20261128);
    const book = new AddressBook(random);
    const users = benignUsers(random, book, benignUserCount(RATE));
    let attempt = 0;

    const measure = async (label: string, iterations: number): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const ip = book.attacker();
        const now = Date.now();
        const failure = (k: number) => ({
          v: 1,
          id: `bench-attacker:${process.pid}:${attempt}:${k}`,
          ts: new Date(now - (THRESHOLD - k) * 50).toISOString(),
          type: 'login_failure',
          actor: { ip, userAgent: 'python-requests/2.32.3' },
          user: { login: `user${attempt}@example.com` },
          request: { method: 'POST', path: '/login', status: 401 },
        });
        attempt += 1;
        const before = await api.postEvents(Array.from({ length: THRESHOLD - 1 }, (_, k) => failure(k)));
        if (before.kind !== 'accepted') throw new Error(before.message);
        await sleep(random.int(0, 700));
        const visible = waiting.expect(ip, TIMEOUT_MS);
        const threshold = await api.postEvents([failure(THRESHOLD - 1)]);
        if (threshold.kind !== 'accepted') throw new Error(threshold.message);
        const seenAt = await visible;
        if (seenAt === undefined) log(`${label} ${i + 1}/${iterations}: no ban for ${ip} within ${TIMEOUT_MS} ms`);
        else latencies.push(seenAt - threshold.at);
        if ((i + 1) % 10 === 0) log(`${label} ${i + 1}/${iterations}: ${show(figures(latencies, i + 1))}`);
        await sleep(random.int(100, 300));
      }
      return latencies;
    };

    // (1) with benign traffic on the same application
    const fleet = new AgentFleet(api, new Random(7), { agents: 4, prefix: 'bench-benign', flushMs: 1000, log, onFatal: (m) => log(`FATAL ${m}`) });
    fleet.start();
    let busy = true;
    const benign = playBenignTraffic(random, users, RATE, (event) => fleet.report(event), () => busy);
    await sleep(3000); // the traffic reaches its pace
    const busyStarted = Date.now();
    const busyLatencies = await measure('busy', ITERATIONS);
    const busySeconds = (Date.now() - busyStarted) / 1000;
    busy = false;
    await benign;
    await fleet.close();
    const background = { agents: 4, eventsPerSecond: RATE, accepted: fleet.stats.accepted, measuredRate: Math.round(fleet.stats.accepted / (busySeconds + 3)), lost: fleet.stats.lost };
    log(`busy: ${show(figures(busyLatencies, ITERATIONS))} — with ${background.agents} agents posting ${RATE} benign events/s (${background.accepted} accepted)`);

    // (2) nothing else on the stream
    await sleep(2000);
    const idleLatencies = await measure('idle', IDLE_ITERATIONS);
    log(`idle: ${show(figures(idleLatencies, IDLE_ITERATIONS))} — no other traffic`);
    await watcher.stop();

    const result = {
      bench: 'detection-latency',
      measures: 'ingest API 202 of the threshold event (10th failed login from one address) → the ban received by an agent long-polling GET /v1/agent/responses',
      stack: `riposte start (embedded kinesalite + dynalite, ${SHARDS} shards, local driver, in-memory agent cache)`,
      busy: { ...figures(busyLatencies, ITERATIONS), background },
      idle: figures(idleLatencies, IDLE_ITERATIONS),
      reader: { idleTimeBetweenReadsMs: LOCAL_DRIVER_DEFAULTS.idleTimeBetweenReadsMs, minTimeBetweenReadsMs: MIN_TIME_BETWEEN_READS_MS },
      unexpectedResponses: unexpected,
      node: process.version,
      cpus: cpus().length,
      seconds: Math.round((Date.now() - began) / 1000),
    };
    if (unexpected.length > 0) log(`!!! responses nobody waited for (a benign actor?): ${unexpected.join('; ')}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    // A graceful stop takes well under a second; when it does not, say so and do not wait for it
    // (the figures are out already).
    const stopping = Date.now();
    const code = await Promise.race([server.stop(), sleep(10_000).then(() => 'still running after 10 s' as const)]);
    if (code !== 0) {
      log(`riposte start did not stop cleanly (${code}); its log since SIGTERM: ${server.logs().filter((l) => Number(l.time) >= stopping).map((l) => `+${Number(l.time) - stopping} ms ${String(l.msg)}`).join('; ')}`);
      server.child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(String((error as Error).stack ?? error));
  process.exitCode = 1;
});
