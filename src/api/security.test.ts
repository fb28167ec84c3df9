/**
 * Every way in must fail closed: a bad token is a 401, another application's token sees and changes
 * nothing of this one, and a bad body is a clear 4xx that writes nothing to the stream and leaves the
 * server serving.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, banResponse, bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { readStream, startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { loginFailure, times } from '../testing/factories';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;

// One server for the whole file, as in production: each refusal must leave it serving the next case.
beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  api = await startApiHarness({ kinesis, apps: ['shop', 'blog'] });
});
afterAll(async () => {
  await api.close();
  await local.close();
});

const valid = () => loginFailure({ ip: '203.0.113.7', at: 0 });
const nested = (levels: number): unknown => (levels === 0 ? 1 : { a: nested(levels - 1) });
const shop = () => bearer(api.tokens.shop as string);
const UNKNOWN_TOKEN = `rpt_${'Q'.repeat(43)}`;

async function streamLength(harness: ApiHarness = api): Promise<number> {
  return (await readStream(kinesis, harness.streamName)).length;
}

/** After a refusal, the same server still takes a valid batch. */
async function stillServing(): Promise<void> {
  const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: shop(), payload: { events: [valid()] } });
  expect(response.statusCode).toBe(202);
}

describe('authentication fails closed', () => {
  const agentEndpoints: Array<[string, InjectOptions]> = [
    ['POST /v1/events', { method: 'POST', url: '/v1/events', payload: { events: [] } }],
    ['GET /v1/agent/rules', { method: 'GET', url: '/v1/agent/rules' }],
    ['GET /v1/agent/responses', { method: 'GET', url: '/v1/agent/responses' }],
  ];
  const badCredentials: Array<[string, () => Record<string, string>, string]> = [
    ['no Authorization header', () => ({}), 'missing_token'],
    ['an empty Authorization header', () => ({ authorization: '' }), 'missing_token'],
    ['Basic instead of Bearer', () => ({ authorization: `Basic ${Buffer.from(`shop:${api.tokens.shop}`).toString('base64')}` }), 'invalid_token'],
    ['Bearer without a token', () => ({ authorization: 'Bearer ' }), 'invalid_token'],
    ['a malformed token', () => bearer('hunter2'), 'invalid_token'],
    ['a well-formed unknown token', () => bearer(UNKNOWN_TOKEN), 'invalid_token'],
    ['the token with one more character', () => bearer(`${api.tokens.shop}x`), 'invalid_token'],
    ['the token cut short', () => bearer((api.tokens.shop as string).slice(0, -1)), 'invalid_token'],
    ['the token with a control character', () => ({ authorization: `Bearer ${api.tokens.shop}\u0001` }), 'invalid_token'],
    ['the admin token', () => bearer(ADMIN_TOKEN), 'invalid_token'],
  ];
  for (const [endpoint, request] of agentEndpoints) {
    test.each(badCredentials)(`${endpoint} with %s is 401 and writes nothing`, async (_name, headers, code) => {
      const before = await streamLength();
      const response = await api.app.inject({ ...request, headers: headers() });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="riposte"');
      expect(response.json()).toMatchObject({ error: code });
      expect(await streamLength()).toBe(before);
    });
  }

  test('a token passed in the query string is not a credential', async () => {
    const response = await api.app.inject({ method: 'GET', url: `/v1/agent/responses?token=${api.tokens.shop}` });
    expect(response.statusCode).toBe(401);
  });

  test('a rotated token is refused once the server has seen the rotation; the new one works', async () => {
    const own = await startApiHarness({ kinesis, apps: ['shop'] });
    try {
      const old = own.tokens.shop as string;
      const { token } = await own.registry.rotate('shop');
      await own.watcher.refresh();
      for (const request of [{ method: 'GET', url: '/v1/agent/responses' }, { method: 'POST', url: '/v1/events', payload: { events: [valid()] } }] as const) {
        const refused = await own.app.inject({ ...request, headers: bearer(old) });
        expect(refused.statusCode).toBe(401);
        const accepted = await own.app.inject({ ...request, headers: bearer(token) });
        expect(accepted.statusCode).toBeLessThan(300);
      }
      expect(await streamLength(own)).toBe(1);
    } finally {
      await own.close();
    }
  });

  test('an unauthenticated body is not even parsed: a huge one is refused with 401, not 413', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.statusCode).toBe(401);
  });
});

describe('applications are isolated', () => {
  test("another application's token reads only its own responses", async () => {
    await api.store.write([banResponse('shop', '203.0.113.7'), banResponse('blog', '198.51.100.1')]);
    for (const url of ['/v1/agent/responses', '/v1/agent/rules']) {
      const response = await api.app.inject({ method: 'GET', url, headers: bearer(api.tokens.blog as string) });
      const targets = (response.json() as { responses: Array<{ appId: string; target: { value: string } }> }).responses;
      expect(targets.map((r) => [r.appId, r.target.value])).toEqual([['blog', '198.51.100.1']]);
    }
  });

  test('naming another application in the query is refused, not obeyed', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/v1/agent/responses?appId=shop', headers: bearer(api.tokens.blog as string) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_query' });
  });

  test("a cursor obtained by one application reveals nothing of another's responses", async () => {
    const first = await api.app.inject({ method: 'GET', url: '/v1/agent/responses', headers: bearer(api.tokens.blog as string) });
    const cursor = (first.json() as { cursor: string }).cursor;
    await api.store.write([banResponse('shop', '203.0.113.7')]);
    const next = await api.app.inject({ method: 'GET', url: `/v1/agent/responses?since=${cursor}`, headers: bearer(api.tokens.blog as string) });
    const responses = (next.json() as { responses: Array<{ appId: string }> }).responses;
    expect(responses.filter((r) => r.appId !== 'blog')).toEqual([]);
  });

  test.each([
    ['an agent token of another application', () => bearer(api.tokens.blog as string)],
    ['the agent token of the application itself', () => bearer(api.tokens.shop as string)],
    ['no token', () => ({})],
    ['a wrong admin token', () => bearer(`${ADMIN_TOKEN}x`)],
  ])('revoking through the admin API with %s is 401 and the response stays active', async (_name, headers) => {
    const ban = banResponse('shop', '203.0.113.7');
    await api.store.write([ban]);
    const response = await api.app.inject({ method: 'POST', url: `/v1/admin/apps/shop/responses/${ban.id}/revoke`, headers: headers() });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'admin_unauthorized' });
    expect((await api.store.get('shop', ban.id))?.revokedAt).toBeNull();
  });

  test.each([
    ['GET /v1/admin/apps', '/v1/admin/apps'],
    ["GET an application's responses", '/v1/admin/apps/shop/responses'],
  ])('%s refuses agent tokens', async (_name, url) => {
    const response = await api.app.inject({ method: 'GET', url, headers: shop() });
    expect(response.statusCode).toBe(401);
  });

  test('without an admin token configured, the admin API is off (404)', async () => {
    const own = await startApiHarness({ kinesis, apps: ['shop'], overrides: { adminToken: undefined } });
    try {
      const response = await own.app.inject({ method: 'GET', url: '/v1/admin/apps', headers: bearer(ADMIN_TOKEN) });
      expect(response.statusCode).toBe(404);
    } finally {
      await own.close();
    }
  });
});

describe('bad input is a clear 4xx, writes nothing, and the server keeps serving', () => {
  const json = (body: unknown): InjectOptions => ({ method: 'POST', url: '/v1/events', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const raw = (payload: string, contentType = 'application/json'): InjectOptions => ({ method: 'POST', url: '/v1/events', payload, headers: { 'content-type': contentType } });
  const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;

  const cases: Array<[string, () => InjectOptions, number, string, RegExp]> = [
    ['malformed JSON', () => raw('{"events": [{"v": 1,'), 400, 'invalid_json', /not valid JSON: .*JSON/],
    ['an empty body', () => raw(''), 400, 'invalid_json', /empty/],
    ['a body that is not JSON at all', () => raw('events=1', 'text/plain'), 415, 'unsupported_media_type', /application\/json/],
    ['form data', () => raw('events=1', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type', /application\/json/],
    ['a raw control character inside a JSON string', () => raw(`{"events":[{"v":1,"type":"login_failure","ts":"2026-11-28T12:00:00Z","actor":{"ip":"1.2.3.4"},"user":{"login":"a\u0007b"}}]}`), 400, 'invalid_json', /JSON/],
    ['a body that is an array', () => json([valid()]), 400, 'invalid_body', /expected object/],
    ['events that is not an array', () => json({ events: { 0: valid() } }), 400, 'invalid_body', /events: .*expected array/],
    ['events missing', () => json({ event: valid() }), 400, 'invalid_body', /events/],
    ['no events', () => json({ events: [] }), 400, 'invalid_body', /at least one event/],
    ['too many events', () => json({ events: times(501, valid) }), 400, 'too_many_events', /501 entries; one request carries at most 500 events/],
    ['a body over the size limit', () => json({ events: [{ ...valid(), props: { blob: 'x'.repeat(1024 * 1024) } }] }), 413, 'body_too_large', /limit of 1048576 bytes/],
    ['an event over the size limit', () => json({ events: [{ ...valid(), props: { blob: 'x'.repeat(40_000) } }] }), 400, 'no_valid_events', /.*/],
    ['a huge user agent', () => json({ events: [{ ...valid(), actor: { ip: '203.0.113.7', userAgent: 'A'.repeat(5000) } }] }), 400, 'no_valid_events', /.*/],
    ['an escaped control character in a field', () => json({ events: [{ ...valid(), request: { path: '/login\r\nX-Injected: 1' } }] }), 400, 'no_valid_events', /.*/],
    ['a control character in a key', () => json({ events: [{ ...valid(), props: { 'a\u0000b': 1 } }] }), 400, 'no_valid_events', /.*/],
    ['a __proto__ key', () => raw(`{"events":[${JSON.stringify(valid()).slice(0, -1)},"props":{"__proto__":{"polluted":true}}}]}`), 400, 'no_valid_events', /.*/],
    ['nesting 100000 levels deep', () => raw(`{"events":[${JSON.stringify(valid()).slice(0, -1)},"props":{"deep":${deep}}}]}`), 400, 'no_valid_events', /.*/],
    ['a timestamp that is a number', () => json({ events: [{ ...valid(), ts: 1764331200000 }] }), 400, 'no_valid_events', /.*/],
    ['an IP that is a number', () => json({ events: [{ ...valid(), actor: { ip: 3405803783 } }] }), 400, 'no_valid_events', /.*/],
    ['an unknown event type', () => json({ events: [{ ...valid(), type: 'rm -rf' }] }), 400, 'no_valid_events', /.*/],
    ['an event that is null', () => json({ events: [null] }), 400, 'no_valid_events', /.*/],
  ];

  test.each(cases)('%s', async (_name, request, status, code, message) => {
    const before = await streamLength();
    const options = request();
    const response = await api.app.inject({ ...options, headers: { ...(options.headers as Record<string, string>), ...shop() } });
    expect(response.statusCode).toBe(status);
    const body = response.json() as { error: string; message: string; requestId: string };
    expect(body.error).toBe(code);
    expect(body.message).toMatch(message);
    expect(body.requestId).toBe(response.headers['x-request-id']);
    expect(await streamLength()).toBe(before);
    await stillServing();
  });

  test('a 415 names the content type it refused', async () => {
    const response = await api.app.inject({ ...raw('events=1', 'text/plain'), headers: { 'content-type': 'text/plain', ...shop() } });
    expect(response.statusCode).toBe(415);
    expect((response.json() as { message: string }).message).toBe('content-type text/plain is not accepted; send application/json');
  });

  test.each([
    ['an event over the size limit', { props: { blob: 'x'.repeat(40_000) } }, /the event is \d+ bytes; an event is at most 32768 bytes/],
    ['a huge user agent', { actor: { ip: '203.0.113.7', userAgent: 'A'.repeat(5000) } }, /actor\.userAgent: Too big: expected string to have <=2048 characters/],
    ['an escaped control character', { request: { path: '/login\r\n' } }, /request\.path contains the control character U\+000D at position 6/],
    ['nesting too deep', { props: nested(16) }, /nested deeper than 16 levels/],
    ['a control character in an array item', { props: { list: ['ok', { name: 'a\u0001' }] } }, /^props\.list\[1\]\.name contains the control character U\+0001 at position 1/],
    ['a control character in a key', { props: { list: [{ 'a\u0000b': 1 }] } }, /^"props\.list\[0\]\.a\\u0000b": keys may not contain control characters/],
  ])('the reason for %s states the limit or the culprit', async (_name, change, reason) => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: shop(), payload: { events: [valid(), { ...valid(), ...change }] } });
    expect(response.statusCode).toBe(202);
    const body = response.json() as { accepted: number; rejected: Array<{ index: number; reason: string }> };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toHaveLength(1);
    expect(body.rejected[0]?.index).toBe(1);
    expect(body.rejected[0]?.reason).toMatch(reason);
  });

  const ZERO = Buffer.from('000000000000000#\n000000000000000#').toString('base64url');
  const queries: Array<[string, string, RegExp]> = [
    ['wait that is not a number', `/v1/agent/responses?since=${ZERO}&wait=soon`, /wait: must be a whole number of seconds from 0 to 55/],
    ['wait over the limit', `/v1/agent/responses?since=${ZERO}&wait=3600`, /wait: must be a whole number of seconds from 0 to 55/],
    ['a negative wait', `/v1/agent/responses?since=${ZERO}&wait=-1`, /wait/],
    ['wait given twice', `/v1/agent/responses?since=${ZERO}&wait=1&wait=2`, /wait/],
    ['a cursor that is not base64url', '/v1/agent/responses?since=%3Cscript%3E', /since is not a cursor this server issued/],
    ['a cursor that decodes to something else', `/v1/agent/responses?since=${Buffer.from('hello').toString('base64url')}`, /since is not a cursor/],
    ['a cursor from the future', `/v1/agent/responses?since=${Buffer.from('000000000000000#\n999999999999999#').toString('base64url')}`, /from the future/],
    ['a cursor whose keys are out of order', `/v1/agent/responses?since=${Buffer.from('000000000000009#\n000000000000001#').toString('base64url')}`, /since is not a cursor/],
    ['an unknown parameter', '/v1/agent/responses?limit=5', /Unrecognized key/],
  ];
  test.each(queries)('GET responses with %s is 400', async (_name, url, message) => {
    const response = await api.app.inject({ method: 'GET', url, headers: shop() });
    expect(response.statusCode).toBe(400);
    expect((response.json() as { message: string }).message).toMatch(message);
    await stillServing();
  });

  test('an unknown route is a 404 that names it', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/v1/nope?x=1', headers: shop() });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not_found', message: 'no endpoint GET /v1/nope' });
  });
});
