/** POST /v1/events against a real stream on kinesalite: what is accepted reaches it, what is refused does not. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ADMIN_TOKEN, bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { readStream, startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { attack, loginFailure, times } from '../testing/factories';
import { throttlingKinesisClient } from '../../test/helpers/kinesis-faults';

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

async function post(body: unknown, token = api.tokens.shop as string) {
  const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(token), payload: body as object });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

async function onStream(): Promise<Array<Record<string, unknown> & { partitionKey: string }>> {
  return (await readStream(kinesis, api.streamName)).map((r) => ({ ...(JSON.parse(r.data.toString('utf8')) as Record<string, unknown>), partitionKey: r.partitionKey }));
}

describe('POST /v1/events', () => {
  test('valid events are accepted and reach the stream, keyed by the application of the token', async () => {
    const events = [loginFailure({ ip: '203.0.113.7', at: 0 }), attack({ ip: '203.0.113.8', at: 1, category: 'sqli' })];
    const { status, body } = await post({ events });
    expect(status).toBe(202);
    expect(body).toEqual({ accepted: 2, rejected: [] });
    const records = await onStream();
    expect(records.map((r) => [r.partitionKey, r.appId, r.type])).toEqual([
      ['shop', 'shop', 'login_failure'],
      ['shop', 'shop', 'attack'],
    ]);
  });

  test('the application comes from the token, whatever appId the event names', async () => {
    await post({ events: [{ ...loginFailure({ ip: '203.0.113.7', at: 0 }), appId: 'blog' }] });
    expect((await onStream()).map((r) => [r.partitionKey, r.appId])).toEqual([['shop', 'shop']]);
  });

  test('an event may leave appId out', async () => {
    const { appId: _omit, ...event } = loginFailure({ ip: '203.0.113.7', at: 0 });
    expect((await post({ events: [event] })).body).toEqual({ accepted: 1, rejected: [] });
  });

  test('a mixed batch writes the valid events and names each refused one by index and reason', async () => {
    const events = [
      loginFailure({ ip: '203.0.113.7', at: 0 }),
      { ...loginFailure({ ip: 'not-an-ip', at: 0 }) },
      loginFailure({ ip: '203.0.113.9', at: 0 }),
      { ...loginFailure({ ip: '203.0.113.7', at: 0 }), user: { login: 'alice\u0000' } },
      'a string',
    ];
    const { status, body } = await post({ events });
    expect(status).toBe(202);
    expect(body.accepted).toBe(2);
    const rejected = body.rejected as Array<{ index: number; reason: string }>;
    expect(rejected.map((r) => r.index)).toEqual([1, 3, 4]);
    expect(rejected[0]?.reason).toMatch(/actor\.ip: "not-an-ip" is not an IPv4 or IPv6 address/);
    expect(rejected[1]?.reason).toMatch(/user\.login contains the control character U\+0000/);
    expect(rejected[2]?.reason).toMatch(/not an object/);
    expect(await onStream()).toHaveLength(2);
  });

  test('unknown fields of an event are kept', async () => {
    await post({ events: [{ ...loginFailure({ ip: '203.0.113.7', at: 0 }), props: { plan: 'gold' }, extra: 1 }] });
    const [record] = await onStream();
    expect(record).toMatchObject({ props: { plan: 'gold' }, extra: 1 });
  });

  test('a full batch of the largest size is accepted in one request', async () => {
    const events = times(500, (i) => loginFailure({ ip: `10.0.${i >> 8}.${i & 255}`, at: i }));
    expect((await post({ events })).body).toEqual({ accepted: 500, rejected: [] });
    expect(await onStream()).toHaveLength(500);
  });

  test('the admin token is not an agent token', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(ADMIN_TOKEN), payload: { events: [] } });
    expect(response.statusCode).toBe(401);
  });
});

describe('POST /v1/events when the stream throttles', () => {
  test('entries PutRecords reports as failed are sent again until every event is on the stream exactly once', async () => {
    // The first two calls refuse their entry (the request's 40 events, in one aggregated record).
    const faulty = throttlingKinesisClient(local.endpoint, (call) => call <= 2);
    await api.close();
    api = await startApiHarness({ kinesis, publisherClient: faulty.client, apps: ['shop'] });
    const events = times(40, (i) => ({ ...loginFailure({ ip: `10.0.0.${i}`, at: i }), id: `agent-1:${i}` }));
    const { status, body } = await post({ events });
    expect(status).toBe(202);
    expect(body).toEqual({ accepted: 40, rejected: [] });
    expect(faulty.control).toEqual({ calls: 3, throttled: 2 });
    const ids = (await onStream()).map((r) => r.id as string);
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
  });

  test('events the stream still refuses after every retry are answered 503 with their indices', async () => {
    const faulty = throttlingKinesisClient(local.endpoint, (_call, _index, data) => Buffer.from(data).includes('203.0.113.2'));
    await api.close();
    // Records too small for two events: each event is a record of its own, and fails on its own.
    api = await startApiHarness({ kinesis, publisherClient: faulty.client, apps: ['shop'], publisher: { maxRecordBytes: 300 } });
    const events = [loginFailure({ ip: '203.0.113.1', at: 0 }), loginFailure({ ip: '203.0.113.2', at: 0 }), { bad: true }];
    const response = await api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(api.tokens.shop as string), payload: { events } });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ error: 'stream_unavailable', accepted: 1, failed: [1], rejected: [{ index: 2 }] });
    expect(faulty.control.calls).toBe(4);
    expect((await onStream()).map((r) => (r.actor as { ip: string }).ip)).toEqual(['203.0.113.1']);
  });
});
