/**
 * The API while its process stops (src/api/stopping.ts), on a real socket (inject() does not signal
 * the end of a response as a connection does): requests being served are answered, held long-polls
 * at once, and what arrives afterwards 503 `stopping` without being served.
 */
import { ApiStopping } from '../../src/api/stopping';
import { startApiHarness, type ApiHarness } from '../helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../helpers/local-kinesis';
import { waitFor } from '../helpers/wait';

let kinesis: LocalKinesis;
let api: ApiHarness;
let stopping: ApiStopping;
beforeAll(async () => {
  kinesis = await startLocalKinesis();
});
beforeEach(async () => {
  stopping = new ApiStopping();
  api = await startApiHarness({ kinesis: kinesis.client(), apps: ['shop'], overrides: { stopping } });
});
afterEach(async () => {
  await api.close();
});
afterAll(async () => {
  await kinesis.close();
});

it('a long-poll held when stopping begins is answered, begin resolves once it is, and later requests get 503 stopping', async () => {
  const url = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const auth = { authorization: `Bearer ${api.tokens.shop}` };
  const { cursor } = (await (await fetch(`${url}/v1/agent/responses`, { headers: auth })).json()) as { cursor: string };
  const held = fetch(`${url}/v1/agent/responses?since=${cursor}&wait=20`, { headers: auth });
  await waitFor('the long-poll to be held', () => stopping.inFlight === 1, 5000, 5);
  await stopping.begin(10_000);
  expect(stopping.inFlight).toBe(0);
  expect((await held).status).toBe(200);

  const late = await fetch(`${url}/v1/agent/responses`, { headers: auth });
  expect([late.status, ((await late.json()) as { error: string }).error, late.headers.get('connection'), late.headers.get('retry-after')]).toEqual([503, 'stopping', 'close', '1']);
  const post = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ events: [] }) });
  expect(post.status).toBe(503);
});
