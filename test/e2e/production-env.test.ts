/**
 * `riposte serve` and `riposte kcl` in the documented production set-up (docs/drivers.md): AWS_REGION,
 * the table names, credentials, and nothing else of Riposte's. The endpoints of the emulators this
 * test starts (kinesalite, dynalite) come from the AWS SDK's shared config file, as a deployment's
 * might: no AWS_ENDPOINT_URL_* and no RIPOSTE_USE_AWS, which is where they used to fall back to a
 * registry file nobody writes (and `serve` to embedded emulators), silently ignoring every setting.
 * Without a region they refuse to start, saying what to set.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors } from '../../detectors';
import { appsTable, ensureTable } from '../../src/aws/tables';
import { ensureStream } from '../../src/aws/stream';
import { DynamoRegistryStore } from '../../src/registry/dynamo-store';
import { AppRegistry } from '../../src/registry/registry';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { BASE_TIME } from '../../src/testing/factories';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
import { daemonRecords, initialize, killChildren, leaseLost, processRecords, spawnChild } from '../helpers/kcl-daemon';
import { useLocalAws } from '../helpers/local-aws';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../helpers/local-server';
import { waitForValue } from '../helpers/wait';

const aws = useLocalAws();
const dir = mkdtempSync(join(tmpdir(), 'riposte-production-env-'));
const STREAM = 'prod-events';
const APPS_TABLE = 'prod-apps';
let responsesTable: string;
let registry: AppRegistry;

beforeAll(async () => {
  await ensureStream(aws.kinesis.client(), STREAM, 1);
  await ensureTable(aws.dynamo.client(), appsTable(APPS_TABLE));
  responsesTable = await aws.dynamo.responsesTable();
  registry = new AppRegistry(new DynamoRegistryStore(aws.dynamo.client(), APPS_TABLE), builtInDetectors);
  // The SDK's shared config file: a profile whose services have their own endpoints.
  writeFileSync(
    join(dir, 'aws-config'),
    [
      '[default]',
      'services = emulators',
      '[services emulators]',
      'kinesis =',
      `  endpoint_url = ${aws.kinesis.endpoint}`,
      'dynamodb =',
      `  endpoint_url = ${aws.dynamo.endpoint}`,
      '',
    ].join('\n'),
  );
});
afterEach(() => killChildren());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What docs/drivers.md tells a deployment to set, and nothing of Riposte's own beyond it. */
function productionEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    NODE_NO_WARNINGS: '1',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    RIPOSTE_STREAM: STREAM,
    RIPOSTE_APPS_TABLE: APPS_TABLE,
    RIPOSTE_RESPONSES_TABLE: responsesTable,
    RIPOSTE_DATA_DIR: join(dir, 'data'),
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
}

function run(command: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'riposte.js'), command], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

it("riposte serve: agents of the apps table are served, with that table's settings (an ingest rate), and nothing is embedded; every interface, /metrics on its own port", async () => {
  const { token } = await registry.add('serve-shop', { settings: { ingest: { eventsPerSecond: 0.001, burstEvents: 2 } } });
  const env = productionEnv({ RIPOSTE_METRICS_PORT: '0' });
  delete env.HOST; // serve's default: every interface
  const serve = run('serve', env);
  try {
    const url = await waitForValue(
      () => {
        if (serve.child.exitCode !== null) throw new Error(`riposte serve exited (${serve.child.exitCode}):\n${serve.stderr().slice(-3000)}`);
        const running = serve.stderr().split('\n').find((line) => line.includes('Riposte is running'));
        return running === undefined ? undefined : (JSON.parse(running) as { url: string; msg: string; mode: string; listening: string; metrics: string });
      },
      60_000,
      { what: 'riposte serve to say it is running', context: serve.stderr },
    );
    expect([url.msg, url.mode]).toEqual(['Riposte is running on the configured AWS endpoints', 'aws']);
    expect(url.listening).toMatch(/^http:\/\/(0\.0\.0\.0|\[::\]):\d+$/);
    // RIPOSTE_METRICS_PORT: /metrics on its own port, not beside the APIs.
    expect(url.metrics).not.toBe(`${url.url}/metrics`);
    expect((await fetch(`${url.url}/metrics`)).status).toBe(404);
    const scraped = await fetch(url.metrics.replace('0.0.0.0', '127.0.0.1'));
    expect([scraped.status, await scraped.text()]).toEqual([200, expect.stringContaining('riposte_http_requests_total')]);
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${url.url}/v1/agent/responses`, { headers: auth })).status).toBe(200);
    const post = () =>
      fetch(`${url.url}/v1/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ v: 1, ts: new Date().toISOString(), type: 'login_failure', actor: { ip: '192.0.2.1' } }] }),
      });
    expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([202, 202, 429]);
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
}, 90_000);

it("riposte kcl: the apps table's allowlist and simulation are applied", async () => {
  await registry.add('kcl-shop', { settings: { allowlist: { ips: ['198.51.100.9'] }, detectors: { 'login-brute-force': { simulate: true } } } });
  const events = ['198.51.100.9', '198.51.100.10'].flatMap((ip, n) =>
    Array.from({ length: 12 }, (_, i) => ({ v: 1, ts: new Date(BASE_TIME + (n * 100 + i) * 1000).toISOString(), appId: 'kcl-shop', type: 'login_failure', actor: { ip } })),
  );
  const child = spawnChild(productionEnv({ RIPOSTE_DEAD_LETTERS: join(dir, 'dead-letters.jsonl') }));
  await child.daemon.perform(initialize('shardId-000000000000', 'TRIM_HORIZON', 0));
  await child.daemon.perform(processRecords(daemonRecords(events)));
  await child.daemon.perform(leaseLost());
  child.daemon.end();
  expect(await child.exited).toBe(0);
  const written = await new DynamoResponseStore(aws.dynamo.client(), responsesTable).changes('kcl-shop', null, 100);
  expect(written.map((r) => [r.target.value, r.simulated === true])).toEqual([['198.51.100.10', true]]);
}, 60_000);

it.each(['serve', 'kcl'])('riposte %s with no AWS region configured refuses to start, saying what to set', async (command) => {
  const env = productionEnv();
  delete env.AWS_REGION;
  delete env.AWS_CONFIG_FILE;
  const started = run(command, env);
  started.child.stdin.end();
  expect(await started.exited).toBe(2);
  expect(started.stderr()).toContain(`riposte: riposte ${command} runs on AWS (or the endpoints you configure) and embeds nothing, but no AWS region is configured. Set AWS_REGION`);
}, 60_000);
