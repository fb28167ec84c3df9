/** Request logs, metrics and the health check. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import pino from 'pino';
import { ADMIN_TOKEN, bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { PartFailures } from '../observability/failures';
import { loginFailure } from '../testing/factories';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
});
afterAll(() => local.close());
beforeEach(async () => {
  api = await startApiHarness({ kinesis, apps: ['shop'] });
});
afterEach(() => api.close());

const requestLines = () => api.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

describe('request logs', () => {
  test('one JSON line per request with request id, application, status and latency', async () => {
    await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(api.tokens.shop as string), 'x-request-id': 'req-42' }, payload: { events: [loginFailure({ ip: '203.0.113.7', at: 0 })] } });
    const [line] = requestLines();
    expect(line).toMatchObject({ reqId: 'req-42', appId: 'shop', method: 'POST', route: '/v1/events', status: 202 });
    expect(typeof line?.ms).toBe('number');
  });

  test('a request without an acceptable request id gets a generated one, echoed in the reply', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\n' } });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLines()[0]?.reqId).toBe(response.headers['x-request-id']);
  });

  test('successes beyond 10 a second per route are left out, counted in the next line; every error is logged, with its application', async () => {
    let now = Date.parse('2026-01-01T00:00:00.000Z');
    const timed = await startApiHarness({ kinesis, apps: ['shop'], clock: () => now });
    try {
      const lines = () => timed.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
      for (let i = 0; i < 25; i++) await timed.app.inject({ method: 'GET', url: '/healthz' });
      for (let i = 0; i < 12; i++) {
        await timed.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(timed.tokens.shop as string), payload: { events: [{ v: 2 }] } });
      }
      expect(lines().filter((l) => l.route === '/healthz')).toHaveLength(10);
      // Bad input is always logged, saying where it came from.
      expect(lines().filter((l) => l.route === '/v1/events')).toEqual(Array.from({ length: 12 }, () => expect.objectContaining({ status: 400, appId: 'shop', path: '/v1/events' })));
      now += 1000;
      await timed.app.inject({ method: 'GET', url: '/healthz' });
      expect(lines().filter((l) => l.route === '/healthz').at(-1)).toMatchObject({ status: 200, unlogged: 15 });
      // The metrics count every request, logged or not.
      expect(await timed.metrics.metrics()).toContain('riposte_http_requests_total{method="GET",route="/healthz",status="200"} 26');
    } finally {
      await timed.close();
    }
  });

  test('at debug level every request is logged', async () => {
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    const verbose = await startApiHarness({ kinesis, apps: ['shop'], overrides: { logger: pino({ level: 'debug' }, sink) } });
    try {
      for (let i = 0; i < 25; i++) await verbose.app.inject({ method: 'GET', url: '/healthz' });
      expect(logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request')).toHaveLength(25);
    } finally {
      await verbose.close();
    }
  });

  test.each([
    ['an agent token that works', () => api.tokens.shop as string, '/v1/agent/responses'],
    ['an agent token that is refused', () => `${api.tokens.shop}x`, '/v1/agent/responses'],
    ['the admin token', () => ADMIN_TOKEN, '/v1/admin/apps'],
  ])('never logs a token: %s', async (_name, token, url) => {
    await api.app.inject({ method: 'GET', url: `${url}`, headers: bearer(token()) });
    await api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(token()), payload: 'not json' });
    expect(api.logs.length).toBeGreaterThan(0);
    expect(api.logs.join('\n')).not.toContain(token());
    expect(api.logs.join('\n')).not.toContain((api.tokens.shop as string).slice(4));
  });
});

describe('metrics', () => {
  test('requests are counted by route pattern and status, and their latency observed', async () => {
    await api.app.inject({ method: 'GET', url: '/v1/agent/responses', headers: bearer(api.tokens.shop as string) });
    await api.app.inject({ method: 'GET', url: '/v1/agent/responses' });
    await api.app.inject({ method: 'GET', url: '/v1/admin/apps/shop/responses', headers: bearer(ADMIN_TOKEN) });
    const text = await api.metrics.metrics();
    expect(text).toContain('riposte_http_requests_total{method="GET",route="/v1/agent/responses",status="200"} 1');
    expect(text).toContain('riposte_http_requests_total{method="GET",route="/v1/agent/responses",status="401"} 1');
    expect(text).toContain('riposte_http_requests_total{method="GET",route="/v1/admin/apps/:appId/responses",status="200"} 1');
    expect(text).toMatch(/riposte_http_request_duration_seconds_count\{method="GET",route="\/v1\/agent\/responses"\} 2/);
  });

  test('ingested events are counted by outcome', async () => {
    await api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(api.tokens.shop as string), payload: { events: [loginFailure({ ip: '203.0.113.7', at: 0 }), { v: 2 }] } });
    const text = await api.metrics.metrics();
    expect(text).toContain('riposte_ingest_events_total{outcome="accepted"} 1');
    expect(text).toContain('riposte_ingest_events_total{outcome="rejected"} 1');
  });
});

describe('GET /healthz', () => {
  test('is 200 with the registry state once loaded', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ok', registry: { loaded: true, apps: 1, lastError: null }, failing: [] });
  });

  test('is 503 with failing: ["registry"] while the registry cannot be read as one, and 200 again once mended', async () => {
    const path = join(api.registryDir, 'apps.json');
    const good = await readFile(path, 'utf8');
    // What `apps configure valueOf` left behind before application ids were map keys.
    const file = JSON.parse(good) as { apps: Record<string, unknown> };
    Object.assign(file.apps, JSON.parse('{"valueOf":{"appId":"valueOf","revision":null}}'));
    await writeFile(path, JSON.stringify(file));
    await api.watcher.refresh({ force: true });
    const broken = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(broken.statusCode).toBe(503);
    expect(broken.json()).toMatchObject({ status: 'failing', failing: ['registry'], registry: { loaded: true, apps: 1, lastError: expect.stringContaining('apps.valueOf') } });
    await writeFile(path, good);
    await api.watcher.refresh({ force: true });
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  test('is 503 failing, naming each dead part, once the local driver or the digester has died', async () => {
    const failures = new PartFailures();
    const failing = await startApiHarness({ kinesis, apps: ['shop'], overrides: { failures } });
    try {
      failures.report('local driver', new Error('shard shardId-000000000001: a bug'));
      const response = await failing.app.inject({ method: 'GET', url: '/healthz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ status: 'failing', failing: ['local driver'], registry: { loaded: true }, failed: [{ part: 'local driver', error: 'shard shardId-000000000001: a bug' }] });
    } finally {
      await failing.close();
    }
  });

  test("a part's failure keeps the error itself (stack and cause, for the log); /healthz shows its message", () => {
    const failures = new PartFailures();
    const bug = new TypeError("Cannot read properties of undefined (reading 'sequenceNumber')");
    const reported = new Error('shard shardId-000000000001: a bug', { cause: bug });
    failures.report('local driver', reported);
    expect(failures.list[0]?.error).toBe(reported);
    expect((failures.list[0]?.error as Error).cause).toBe(bug);
  });
});
