/**
 * Throughput of the agent API's cached reads, measured with autocannon against a local server in
 * another process (bench/agent-api-server.ts), as ratios against baselines measured the same way in
 * the same run:
 * - GET /healthz: fastify answering a route that does no work (the ceiling of this server);
 * - the same agent reads with the cache turned off (every request queries DynamoDB on dynalite).
 *
 *   npm run bench:api              (10 s per case, 50 active responses)
 *   BENCH_SECONDS=3 npm run bench:api
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { connectRedis, deletePrefix } from '../test/helpers/redis';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: object) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  '2xx': number;
}

interface Server {
  url: string;
  token: string;
  prefix: string;
  child: ChildProcess;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RESPONSES = Number(process.env.BENCH_RESPONSES ?? 50);

async function startServer(mode: 'cached' | 'uncached'): Promise<Server> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(__dirname, 'agent-api-server.ts'), mode, String(RESPONSES)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ...(JSON.parse(first) as Omit<Server, 'child'>), child };
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  const redis = connectRedis();
  // The server's prefix ends with ':'; deletePrefix adds it back.
  await deletePrefix(redis, server.prefix.replace(/:$/, ''));
  await redis.quit();
}

async function load(server: Server, path: string, headers: Record<string, string> = {}): Promise<AutocannonResult> {
  const options = { url: `${server.url}${path}`, connections: CONNECTIONS, headers: { authorization: `Bearer ${server.token}`, ...headers } };
  await autocannon({ ...options, duration: 1 }); // warm-up: JIT, connections, the cache
  const result = await autocannon({ ...options, duration: SECONDS });
  if (result.errors > 0) throw new Error(`${path}: ${result.errors} connection errors`);
  return result;
}

interface Row {
  name: string;
  result: AutocannonResult;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const cached = await startServer('cached');
  try {
    rows.push({ name: 'GET /healthz (baseline: no work)', result: await load(cached, '/healthz') });
    const first = await fetch(`${cached.url}/v1/agent/rules`, { headers: { authorization: `Bearer ${cached.token}` } });
    const etag = first.headers.get('etag') as string;
    const { cursor } = (await (await fetch(`${cached.url}/v1/agent/responses`, { headers: { authorization: `Bearer ${cached.token}` } })).json()) as { cursor: string };
    rows.push({ name: `GET /v1/agent/responses (all ${RESPONSES} active), cached`, result: await load(cached, '/v1/agent/responses') });
    rows.push({ name: 'GET /v1/agent/responses?since= (nothing new), cached', result: await load(cached, `/v1/agent/responses?since=${cursor}`) });
    rows.push({ name: 'GET /v1/agent/rules, If-None-Match → 304, cached', result: await load(cached, '/v1/agent/rules', { 'if-none-match': etag }) });
  } finally {
    await stop(cached);
  }
  const uncached = await startServer('uncached');
  try {
    rows.push({ name: `GET /v1/agent/responses (all ${RESPONSES} active), no cache (DynamoDB)`, result: await load(uncached, '/v1/agent/responses') });
  } finally {
    await stop(uncached);
  }

  const baseline = rows[0]?.result.requests.average ?? 1;
  const uncachedRate = rows.at(-1)?.result.requests.average ?? 1;
  process.stdout.write(`\nagent API, ${CONNECTIONS} connections, ${SECONDS} s per case, node ${process.version}\n\n`);
  process.stdout.write('| case | requests/s | p50 ms | p99 ms | vs /healthz | vs no cache |\n|---|---:|---:|---:|---:|---:|\n');
  for (const { name, result } of rows) {
    const rate = result.requests.average;
    if (result.non2xx > 0 && !name.includes('304')) throw new Error(`${name}: ${result.non2xx} answers were not 2xx`);
    process.stdout.write(
      `| ${name} | ${Math.round(rate)} | ${result.latency.p50} | ${result.latency.p99} | ${(rate / baseline).toFixed(2)} | ${(rate / uncachedRate).toFixed(1)}× |\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
