/**
 * The live feed over a real socket (server-sent events cannot be injected): what was written in the
 * last hour comes first, then each write or revoke as it is announced, and the stream ends with the
 * server.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ADMIN_TOKEN, banResponse, bearer, startApiHarness, type ApiHarness } from '../../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../../test/helpers/local-kinesis';
import { waitForValue } from '../../../test/helpers/wait';
import { ResponseChangeNotifier } from '../../cache/response-change-notifier';
import { MemoryResponseStore } from '../../sinks/memory-store';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;
let store: MemoryResponseStore;
let url: string;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  store = new MemoryResponseStore();
  api = await startApiHarness({ kinesis, apps: ['shop', 'blog'], reader: store, overrides: { console: { feedTiming: { sweepMs: 60_000 } } } });
  url = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await api.close();
  await local.close();
});

/** The feed as a client reads it: the `response` events' data, as they arrive. */
async function openFeed(headers: Record<string, string>) {
  const abort = new AbortController();
  const response = await fetch(`${url}/v1/admin/feed`, { headers, signal: abort.signal });
  const received: { id: string; status: string }[] = [];
  let text = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = /^event: response\ndata: (.*)$/s.exec(block)?.[1];
          if (data !== undefined) received.push(JSON.parse(data) as { id: string; status: string });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { response, received, close: async () => (abort.abort(), await reading), ended: reading };
}

const notifier = () => new ResponseChangeNotifier(api.cache, api.feed);

describe('the live feed', () => {
  test('refuses without the admin token or a session', async () => {
    const response = await fetch(`${url}/v1/admin/feed`);
    expect(response.status).toBe(401);
  });

  test('sends the last hour first, then every write and revoke of any application as it is announced, each once', async () => {
    const earlier = banResponse('shop', '203.0.113.50');
    await store.write([earlier]);
    const feed = await openFeed(bearer(ADMIN_TOKEN));
    try {
      expect(feed.response.headers.get('content-type')).toContain('text/event-stream');
      expect(feed.response.headers.get('content-security-policy')).toContain("default-src 'none'");
      await waitForValue(() => (feed.received.some((r) => r.id === earlier.id) ? true : undefined), 5000, { what: 'the earlier response' });

      const fresh = banResponse('blog', '203.0.113.51');
      await store.write([fresh]);
      await notifier().changed(['blog']);
      await waitForValue(() => (feed.received.some((r) => r.id === fresh.id) ? true : undefined), 2000, { what: 'the new response' });

      await store.revoke('blog', fresh.id, Date.now());
      await notifier().changed(['blog']);
      await waitForValue(() => (feed.received.some((r) => r.id === fresh.id && r.status === 'revoked') ? true : undefined), 2000, { what: 'the revoke' });
      // A second announcement of the same changes sends nothing again: one read at a time per
      // application, so a repeat would arrive before the markers written after it.
      await notifier().changed(['blog', 'shop']);
      const markers = [banResponse('shop', '203.0.113.52'), banResponse('blog', '203.0.113.53')];
      await store.write(markers);
      await notifier().changed(['blog', 'shop']);
      await waitForValue(() => (markers.every((m) => feed.received.some((r) => r.id === m.id)) ? true : undefined), 2000, { what: 'the markers' });
      const seen = feed.received.filter((r) => !markers.some((m) => m.id === r.id)).map((r) => `${r.id}:${r.status}`);
      expect(seen).toEqual([`${earlier.id}:active`, `${fresh.id}:active`, `${fresh.id}:revoked`]);
    } finally {
      await feed.close();
    }
  });
});
