/** The agent endpoints over inject(): rules with ETags, the change feed, and the long-poll. */
import { Agent, get as httpGet } from 'node:http';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ADMIN_TOKEN, banResponse, bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { waitFor } from '../../test/helpers/wait';
import type { AgentResponse } from './agent-view';
import { decodeAgentCursor } from './cursor';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
});
afterAll(() => local.close());
beforeEach(async () => {
  api = await startApiHarness({ kinesis, apps: ['shop', 'blog'] });
});
afterEach(() => api.close());

interface Page {
  responses: AgentResponse[];
  cursor: string;
  more: boolean;
}

async function get(url: string, headers: Record<string, string> = {}, appId = 'shop') {
  return api.app.inject({ method: 'GET', url, headers: { ...bearer(api.tokens[appId] as string), ...headers } });
}

/** Resolves once the server holds `count` long-polls, each subscribed to changes: what comes next happens while they wait. */
async function untilHeld(count: number): Promise<void> {
  const waiting = async () => (await api.metrics.getSingleMetric('riposte_agent_waiting_requests')?.get())?.values[0]?.value ?? 0;
  await waitFor(`${count} held long-polls`, async () => (await waiting()) === count, 5000, 5);
}

/** Starts a long-poll of `url` and resolves, with its answer to come, once the server holds it. */
async function heldPoll(url: string): Promise<{ answer: ReturnType<typeof get> }> {
  const answer = get(url);
  await untilHeld(1);
  return { answer };
}

async function responses(query = ''): Promise<Page> {
  const response = await get(`/v1/agent/responses${query}`);
  expect(response.statusCode).toBe(200);
  return response.json() as Page;
}

describe('GET /v1/agent/rules', () => {
  test('serves the rules pack and the active responses, with a weak ETag', async () => {
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    const response = await get('/v1/agent/rules');
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    const body = response.json() as { pack: { version: string; rules: unknown[] }; responses: AgentResponse[]; cursor: string };
    expect(body.pack.version).toMatch(/^\d{4}\./);
    expect(body.pack.rules.length).toBeGreaterThan(0);
    expect(body.responses.map((r) => [r.target.value, r.status])).toEqual([['203.0.113.7', 'active']]);
    expect(typeof body.cursor).toBe('string');
  });

  test.each([
    ['the same tag', (etag: string) => etag, 304],
    ['the tag without W/', (etag: string) => etag.slice(2), 304],
    ['a list holding the tag', (etag: string) => `W/"other", ${etag}`, 304],
    ['*', () => '*', 304],
    ['another tag', () => 'W/"other"', 200],
  ])('If-None-Match with %s answers %i', async (_name, header, status) => {
    const etag = (await get('/v1/agent/rules')).headers.etag as string;
    const response = await get('/v1/agent/rules', { 'if-none-match': header(etag) });
    expect(response.statusCode).toBe(status);
    if (status === 304) expect(response.body).toBe('');
  });

  test.each([
    ['a new response', async () => void (await api.sink.write([banResponse('shop', '203.0.113.8')]))],
    [
      'a revoke through the admin API',
      async () => {
        const [ban] = api.store.all();
        const response = await api.app.inject({ method: 'POST', url: `/v1/admin/apps/shop/responses/${ban?.id}/revoke`, headers: bearer(ADMIN_TOKEN) });
        expect(response.statusCode).toBe(200);
      },
    ],
  ])('the ETag changes after %s', async (_name, change) => {
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    const before = (await get('/v1/agent/rules')).headers.etag as string;
    await change();
    const after = await get('/v1/agent/rules', { 'if-none-match': before });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before);
  });

  test("another application's change leaves this one's ETag alone", async () => {
    const before = (await get('/v1/agent/rules')).headers.etag as string;
    await api.sink.write([banResponse('blog', '203.0.113.8')]);
    expect((await get('/v1/agent/rules', { 'if-none-match': before })).statusCode).toBe(304);
  });
});

describe('GET /v1/agent/responses', () => {
  test('without since: every active response, simulated ones marked, none of another application', async () => {
    await api.sink.write([
      banResponse('shop', '203.0.113.7'),
      banResponse('shop', '203.0.113.8', { simulated: true }),
      banResponse('shop', '203.0.113.9', { seconds: -1 }),
      banResponse('blog', '198.51.100.1'),
    ]);
    const page = await responses();
    expect(page.responses.map((r) => [r.target.value, r.simulated, r.status])).toEqual([
      ['203.0.113.7', false, 'active'],
      ['203.0.113.8', true, 'active'],
    ]);
    expect(page.more).toBe(false);
  });

  test('a response carries the contract fields and not the store internals', async () => {
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    const [r] = (await responses()).responses;
    expect(Object.keys(r as object).sort()).toEqual(
      ['action', 'appId', 'createdAt', 'detector', 'evidence', 'expiresAt', 'id', 'reason', 'redirectUrl', 'revokedAt', 'simulated', 'status', 'target'].sort(),
    );
  });

  test('with since: a new ban, then its revocation', async () => {
    const start = await responses();
    const [ban] = await (async () => {
      const b = [banResponse('shop', '203.0.113.7')];
      await api.sink.write(b);
      return b;
    })();
    const afterBan = await responses(`?since=${start.cursor}`);
    expect(afterBan.responses.map((r) => [r.id, r.status])).toEqual([[ban?.id, 'active']]);
    const revoked = await api.app.inject({
      method: 'POST',
      url: `/v1/admin/apps/shop/responses/${ban?.id}/revoke`,
      headers: bearer(ADMIN_TOKEN),
    });
    expect(revoked.statusCode).toBe(200);
    const afterRevoke = await responses(`?since=${afterBan.cursor}`);
    expect(afterRevoke.responses.map((r) => [r.id, r.status])).toEqual([[ban?.id, 'revoked']]);
  });

  test('many replicas of one agent, each with its own cursor, each get the ban', async () => {
    const replicas = await Promise.all([responses(), responses(), responses()]);
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    for (const replica of replicas) {
      expect((await responses(`?since=${replica.cursor}`)).responses.map((r) => r.target.value)).toEqual(['203.0.113.7']);
    }
  });
});

describe('long-poll: GET /v1/agent/responses?since=…&wait=…', () => {
  test('a waiting agent is answered as soon as a ban is written', async () => {
    const { cursor } = await responses();
    const started = Date.now();
    const waiting = await heldPoll(`/v1/agent/responses?since=${cursor}&wait=10`);
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    const response = await waiting.answer;
    const elapsed = Date.now() - started;
    expect((response.json() as Page).responses.map((r) => r.target.value)).toEqual(['203.0.113.7']);
    expect(elapsed).toBeLessThan(1000);
  });

  test('every waiting agent of the application is woken, and none of another', async () => {
    const { cursor } = await responses();
    const blogCursor = ((await get('/v1/agent/responses', {}, 'blog')).json() as Page).cursor;
    const shopWaiters = [1, 2, 3].map(() => get(`/v1/agent/responses?since=${cursor}&wait=10`));
    let blogAnswered = false;
    const blogWaiter = get(`/v1/agent/responses?since=${blogCursor}&wait=1`, {}, 'blog').then((r) => ((blogAnswered = true), r));
    await untilHeld(4);
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    for (const waiter of shopWaiters) expect(((await waiter).json() as Page).responses).toHaveLength(1);
    expect(blogAnswered).toBe(false);
    expect(((await blogWaiter).json() as Page).responses).toEqual([]);
  });

  test('with nothing new, the wait ends with an empty answer and a usable cursor', async () => {
    const { cursor } = await responses();
    const started = Date.now();
    const page = (await get(`/v1/agent/responses?since=${cursor}&wait=1`)).json() as Page;
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(page.responses).toEqual([]);
    // Cursors are opaque base64url, whose text order is not the order of what they hold: compare the change keys.
    const [before, after] = [cursor, page.cursor].map((c) => decodeAgentCursor(c, 'since', Date.now(), 60_000));
    expect(after!.safe >= before!.safe && after!.seen >= before!.seen).toBe(true);
  });

  test('a change already there when the poll arrives is answered at once', async () => {
    const { cursor } = await responses();
    await api.sink.write([banResponse('shop', '203.0.113.7')]);
    const started = Date.now();
    const page = (await get(`/v1/agent/responses?since=${cursor}&wait=30`)).json() as Page;
    expect(page.responses).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('a wake-up that brings nothing new for the agent keeps it waiting', async () => {
    const { cursor } = await responses();
    const started = Date.now();
    const waiting = await heldPoll(`/v1/agent/responses?since=${cursor}&wait=1`);
    await api.feed.publish(['shop']);
    const page = (await waiting.answer).json() as Page;
    expect(page.responses).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('closing the server answers held requests at once', async () => {
    const { cursor } = await responses();
    const started = Date.now();
    const waiting = await heldPoll(`/v1/agent/responses?since=${cursor}&wait=30`);
    await api.app.close();
    const response = await waiting.answer;
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('closing a listening server', () => {
  test('answers a held long-poll and finishes within a second, keep-alive connections and all', async () => {
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true });
    const fetchJson = (path: string) =>
      new Promise<{ cursor: string; responses: unknown[] }>((resolve, reject) => {
        const request = httpGet(`${address}${path}`, { agent, headers: bearer(api.tokens.shop as string) }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve(JSON.parse(body) as { cursor: string; responses: unknown[] }));
        });
        request.on('error', reject);
      });
    const { cursor } = await fetchJson('/v1/agent/responses');
    const started = Date.now();
    const waiting = fetchJson(`/v1/agent/responses?since=${cursor}&wait=30`);
    await untilHeld(1);
    await api.app.close();
    expect(await waiting).toMatchObject({ responses: [] });
    expect(Date.now() - started).toBeLessThan(1500);
    agent.destroy();
  });
});
