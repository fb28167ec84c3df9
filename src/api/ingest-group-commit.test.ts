/**
 * The group commit of POST /v1/events, against a real stream on kinesalite: concurrent requests share
 * one write, each is answered once its own events are on the stream, a failed write answers exactly
 * the requests whose events it held, and a full buffer refuses at once instead of growing.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { gatedKinesisClient, throttlingKinesisClient } from '../../test/helpers/kinesis-faults';
import { readStream, startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { waitFor } from '../../test/helpers/wait';
import { loginFailure, times } from '../testing/factories';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness | undefined;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
});
afterAll(() => local.close());
afterEach(async () => {
  await api?.close();
  api = undefined;
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | undefined;
}

async function post(harness: ApiHarness, app: string, events: readonly object[]): Promise<Answer> {
  const response = await harness.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(harness.tokens[app] as string), payload: { events } });
  return { status: response.statusCode, body: response.json() as Record<string, unknown>, retryAfter: response.headers['retry-after'] as string | undefined };
}

/** Ten failed logins of application `app`, from addresses numbered by `batch`. */
const batchOf = (app: string, batch: number) => times(10, (i) => ({ ...loginFailure({ ip: `10.${batch}.0.${i}`, at: i }), id: `${app}-${batch}-${i}` }));

async function metric(harness: ApiHarness, name: string): Promise<number> {
  const text = await harness.metrics.metrics();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('group commit', () => {
  test('concurrent requests of two applications share one PutRecords call, one aggregated record per application', async () => {
    const counting = throttlingKinesisClient(local.endpoint, () => false);
    // A long linger, so that however slowly this machine runs the twenty requests, they all make it.
    api = await startApiHarness({ kinesis, publisherClient: counting.client, apps: ['shop', 'blog'], publisher: { lingerMs: 500 } });
    const harness = api;
    const answers = await Promise.all(times(20, (i) => post(harness, i % 2 === 0 ? 'shop' : 'blog', batchOf(i % 2 === 0 ? 'shop' : 'blog', i))));
    expect(answers.map((a) => a.status)).toEqual(times(20, () => 202));
    expect(counting.control.calls).toBe(1);

    const records = await readStream(kinesis, harness.streamName);
    expect(records).toHaveLength(200);
    const kinesisRecords = new Map(records.map((r) => [r.sequenceNumber, r.partitionKey]));
    expect([...kinesisRecords.values()].sort()).toEqual(['blog', 'shop']);
    expect(records.every((r) => r.aggregated)).toBe(true);
    expect(await metric(harness, 'riposte_ingest_put_records_calls_total')).toBe(1);
    expect(await metric(harness, 'riposte_ingest_kinesis_records_total')).toBe(2);
    expect(await metric(harness, 'riposte_ingest_stream_events_total')).toBe(200);
  });

  test('a request is answered only once its events are on the stream', async () => {
    const gate = gatedKinesisClient(local.endpoint);
    api = await startApiHarness({ kinesis, publisherClient: gate.client, apps: ['shop'] });
    let answered = false;
    const answer = post(api, 'shop', batchOf('shop', 1)).then((a) => {
      answered = true;
      return a;
    });
    await waitFor('the write to be under way', () => gate.control.held === 1);
    expect(answered).toBe(false);
    expect(await readStream(kinesis, api.streamName)).toHaveLength(0);
    gate.control.open();
    expect((await answer).status).toBe(202);
    expect(await readStream(kinesis, api.streamName)).toHaveLength(10);
  });

  test('a write that fails answers 503 to exactly the requests whose events it held', async () => {
    // The stream refuses the records of blog, every time.
    const faulty = throttlingKinesisClient(local.endpoint, (_call, _index, data) => Buffer.from(data).includes('"appId":"blog"'));
    api = await startApiHarness({ kinesis, publisherClient: faulty.client, apps: ['shop', 'blog'], publisher: { lingerMs: 500 } });
    const harness = api;
    const [shopA, blog, shopB] = await Promise.all([post(harness, 'shop', batchOf('shop', 1)), post(harness, 'blog', batchOf('blog', 2)), post(harness, 'shop', batchOf('shop', 3))]);
    expect([shopA?.status, blog?.status, shopB?.status]).toEqual([202, 503, 202]);
    expect(blog?.body).toMatchObject({ error: 'stream_unavailable', accepted: 0, failed: times(10, (i) => i) });
    expect(blog?.retryAfter).toBe('1');
    const ids = (await readStream(kinesis, harness.streamName)).map((r) => (JSON.parse(r.data.toString()) as { id: string }).id);
    expect(ids.sort()).toEqual([...batchOf('shop', 1), ...batchOf('shop', 3)].map((e) => e.id).sort());
  });

  test('a full buffer answers 503 with Retry-After at once, takes nothing, and does not grow', async () => {
    const gate = gatedKinesisClient(local.endpoint);
    // Room for two requests of ten events and a half: the events as they go on the stream.
    const requestBytes = batchOf('shop', 1).reduce((n, e) => n + Buffer.byteLength(JSON.stringify({ ...e, appId: 'shop' })), 0);
    const bufferBytes = Math.floor(2.5 * requestBytes);
    api = await startApiHarness({ kinesis, publisherClient: gate.client, apps: ['shop'], publisher: { bufferBytes, lingerMs: 1 } });
    const harness = api;
    const held = [post(harness, 'shop', batchOf('shop', 1)), post(harness, 'shop', batchOf('shop', 2))];
    await waitFor('both requests to be taken and a write held', async () => gate.control.held >= 1 && (await metric(harness, 'riposte_ingest_buffered_bytes')) === 2 * requestBytes);
    const buffered = 2 * requestBytes;

    // The stream still holds every write: these are answered without it.
    const refused = await Promise.all(times(5, (i) => post(harness, 'shop', batchOf('shop', 10 + i))));
    for (const answer of refused) {
      expect(answer).toMatchObject({ status: 503, retryAfter: '1', body: { error: 'ingest_overloaded', accepted: 0, failed: times(10, (i) => i) } });
    }
    expect(await metric(harness, 'riposte_ingest_buffered_bytes')).toBe(buffered);
    expect(buffered).toBeLessThanOrEqual(bufferBytes);

    gate.control.open();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([202, 202]);
    expect(await metric(harness, 'riposte_ingest_buffered_bytes')).toBe(0);
    expect(await readStream(kinesis, harness.streamName)).toHaveLength(20);
  });
});
