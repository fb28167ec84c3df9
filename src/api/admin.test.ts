import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ADMIN_TOKEN, banResponse, bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import type { AgentResponse } from './agent-view';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  api = await startApiHarness({ kinesis, apps: ['shop', 'blog'] });
});
afterAll(async () => {
  await api.close();
  await local.close();
});

const admin = (method: 'GET' | 'POST', url: string) => api.app.inject({ method, url, headers: bearer(ADMIN_TOKEN) });

describe('admin API', () => {
  test('lists the applications with token ids, never tokens or hashes', async () => {
    const response = await admin('GET', '/v1/admin/apps');
    expect(response.statusCode).toBe(200);
    const body = response.json() as { apps: Array<{ appId: string; tokens: Array<{ id: string }> }> };
    expect(body.apps.map((a) => a.appId)).toEqual(['blog', 'shop']);
    expect(body.apps[0]?.tokens[0]?.id).toMatch(/^[0-9a-f]{10}$/);
    expect(response.body).not.toContain(api.tokens.shop);
    expect(response.body).not.toMatch(/[0-9a-f]{64}/);
  });

  test("lists an application's active responses, and with state=all its whole feed in pages", async () => {
    const [a, b, c] = [banResponse('shop', '203.0.113.1'), banResponse('shop', '203.0.113.2'), banResponse('shop', '203.0.113.3')];
    await api.sink.write([a, b, c]);
    await admin('POST', `/v1/admin/apps/shop/responses/${b.id}/revoke`);
    const active = (await admin('GET', '/v1/admin/apps/shop/responses')).json() as { responses: AgentResponse[] };
    expect(active.responses.map((r) => r.id).sort()).toEqual([a.id, c.id].sort());
    const first = (await admin('GET', '/v1/admin/apps/shop/responses?state=all&limit=2')).json() as { responses: AgentResponse[]; cursor: string; more: boolean };
    expect(first.more).toBe(true);
    const second = (await admin('GET', `/v1/admin/apps/shop/responses?state=all&limit=2&after=${first.cursor}`)).json() as { responses: AgentResponse[]; more: boolean };
    expect(second.more).toBe(false);
    const all = [...first.responses, ...second.responses];
    expect(all.map((r) => r.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(all.find((r) => r.id === b.id)?.status).toBe('revoked');
  });

  test('revoking answers the revoked response; revoking again changes nothing more', async () => {
    const ban = banResponse('shop', '203.0.113.50');
    await api.sink.write([ban]);
    const first = await admin('POST', `/v1/admin/apps/shop/responses/${ban.id}/revoke`);
    expect(first.statusCode).toBe(200);
    const revokedAt = (first.json() as { response: AgentResponse }).response.revokedAt;
    expect(revokedAt).not.toBeNull();
    const second = await admin('POST', `/v1/admin/apps/shop/responses/${ban.id}/revoke`);
    expect((second.json() as { response: AgentResponse }).response.revokedAt).toBe(revokedAt);
  });

  test.each([
    ['an unknown application', 'GET', '/v1/admin/apps/ghost/responses', 404, 'unknown_app'],
    ['revoking in an unknown application', 'POST', '/v1/admin/apps/ghost/responses/x/revoke', 404, 'unknown_app'],
    ['revoking an unknown response', 'POST', '/v1/admin/apps/shop/responses/nope/revoke', 404, 'unknown_response'],
    ["revoking one application's response through another", 'POST', '/v1/admin/apps/blog/responses/BAN/revoke', 404, 'unknown_response'],
    ['an unknown state', 'GET', '/v1/admin/apps/shop/responses?state=some', 400, 'invalid_query'],
    ['a limit of 0', 'GET', '/v1/admin/apps/shop/responses?limit=0', 400, 'invalid_query'],
  ] as const)('%s is %i %s', async (_name, method, url, status, code) => {
    const ban = banResponse('shop', '203.0.113.60');
    await api.sink.write([ban]);
    const response = await admin(method, url.replace('BAN', ban.id));
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: code });
    expect((await api.store.get('shop', ban.id))?.revokedAt).toBeNull();
  });

  test.each([
    ['a cursor this server did not issue', 'GET', '/v1/admin/apps/shop/responses?state=all&after=zzz', 'invalid_cursor', 'after is not a cursor this server issued (unknown format); fetch without after to start over'],
    ['an unknown parameter', 'GET', '/v1/admin/apps/shop/responses?since=zzz', 'invalid_query', /^invalid query: .*since/],
    ['a response id that cannot be one', 'POST', '/v1/admin/apps/shop/responses/not%20an%20id/revoke', 'invalid_query', 'invalid path: id: is not a response id'],
  ] as const)('%s is a 400 whose message names the parameter', async (_name, method, url, code, message) => {
    const response = await admin(method, url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: code });
    expect((response.json() as { message: string }).message).toMatch(message);
  });
});
