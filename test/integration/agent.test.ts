/**
 * @riposte/agent against Riposte's real HTTP API (the API harness: registry, in-memory responses
 * store with its change notifications, events on a kinesalite stream), inside an Express and a
 * Fastify application on real sockets. Clients are distinct loopback addresses; 127.0.0.10 plays the
 * application's proxy.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import fastify, { type FastifyInstance } from 'fastify';
import { createAgent, type RiposteAgent } from '@riposte/agent';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { httpFrom, postJsonFrom } from '../../scripts/lib/http-from';
import { ADMIN_TOKEN, banResponse, startApiHarness, type ApiHarness } from '../helpers/api-harness';
import { readStream, startLocalKinesis, type LocalKinesis } from '../helpers/local-kinesis';
import { waitFor } from '../helpers/wait';
import type { SecurityResponse } from '../../src/core/response';
import { StaticAppConfigSource } from '../../src/engine/app-settings';
import { ShardProcessor } from '../../src/engine/processor';
import { toRecords } from '../../src/testing/factories';
import { builtInDetectors } from '../../detectors';

const PROXY = '127.0.0.10';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;
let apiUrl: string;

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  api = await startApiHarness({ kinesis, apps: ['shop'] });
  apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await api.close();
  await local.close();
});

function agentFor(extra: Partial<Parameters<typeof createAgent>[0]> = {}): RiposteAgent {
  return createAgent({
    url: apiUrl,
    token: api.tokens.shop,
    agentId: 'it-agent',
    trustProxy: [PROXY],
    identify: (req) => (typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined),
    batch: { scheduledDelayMillis: 20 },
    retry: { initialBackoffMillis: 50, maxBackoffMillis: 500 },
    logger: false,
    ...extra,
  });
}

/** Writes responses as the engine's sink does: stored, then agents notified. */
async function write(...responses: SecurityResponse[]): Promise<number> {
  await api.sink.write(responses);
  return Date.now();
}

async function revoke(id: string): Promise<number> {
  const answer = await httpFrom(`${apiUrl}/v1/admin/apps/shop/responses/${id}/revoke`, { from: '127.0.0.1', method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(answer.status).toBe(200);
  return Date.now();
}

/** Polls `url` from `from` until it answers `status`; resolves with when it first did. */
async function firstAnswered(url: string, from: string, status: number, headers: Record<string, string> = {}): Promise<number> {
  let at = 0;
  await waitFor(`${url} from ${from} to answer ${status}`, async () => {
    const answer = await httpFrom(url, { from, headers });
    at = Date.now();
    return answer.status === status;
  }, 10_000, 10);
  return at;
}

describe('in an Express application', () => {
  let agent: RiposteAgent;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    agent = agentFor();
    const app = express();
    app.use(express.json());
    app.use(agent.middleware());
    app.post('/login', (req, res) => {
      agent.track({ type: 'login_failure', user: { login: String((req.body as { login?: string }).login) } }, req);
      res.status(401).end();
    });
    app.get('/{*any}', (req, res) => void res.status(req.path.startsWith('/missing') ? 404 : 200).send('shop'));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await agent.ready({ timeoutMs: 10_000 })).toBe(true);
  });
  afterAll(async () => {
    await agent.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('a ban is enforced within a second of being written, and lifted within a second of its revocation', async () => {
    const ban = banResponse('shop', '127.0.0.66');
    const written = await write(ban);
    expect((await firstAnswered(`${url}/`, '127.0.0.66', 403)) - written).toBeLessThan(1000);
    expect((await httpFrom(`${url}/`, { from: '127.0.0.77' })).status).toBe(200);
    const revoked = await revoke(ban.id);
    expect((await firstAnswered(`${url}/`, '127.0.0.66', 200)) - revoked).toBeLessThan(1000);
  });

  type Client = { from: string; forwarded?: string };
  const headersOf = (c: Client): Record<string, string> => (c.forwarded === undefined ? {} : { 'x-forwarded-for': c.forwarded });
  test.each<[string, string, Client, Client]>([
    ['an IPv4 /24', '127.0.3.0/24', { from: '127.0.3.9' }, { from: '127.0.4.9' }],
    ['an IPv6 /64 (through the trusted proxy)', '2001:db8:1:2::/64', { from: PROXY, forwarded: '2001:db8:1:2:aaaa::1' }, { from: PROXY, forwarded: '2001:db8:1:3::1' }],
  ])('a ban on %s holds every client inside it and no other', async (_name, range, inside, outside) => {
    const ban = banResponse('shop', range);
    await write(ban);
    await firstAnswered(`${url}/`, inside.from, 403, headersOf(inside));
    expect((await httpFrom(`${url}/`, { from: outside.from, headers: headersOf(outside) })).status).toBe(200);
    await revoke(ban.id);
    await firstAnswered(`${url}/`, inside.from, 200, headersOf(inside));
  });

  test('the ban the engine makes on an IPv6 attacker rotating through its /64 holds the whole /64', async () => {
    // Ten failed logins, each from another address of one /64, as the engine sees them on the stream.
    const now = Date.now();
    const events = Array.from({ length: 10 }, (_, i) => ({ v: 1, ts: new Date(now - (10 - i) * 1000).toISOString(), appId: 'shop', type: 'login_failure', actor: { ip: `2001:db8:5:6:${i + 1}::${(i * 977).toString(16)}` } }));
    const processor = new ShardProcessor({ shardId: 'shardId-000000000000', config: new StaticAppConfigSource(builtInDetectors) });
    const { responses } = await processor.processBatch(toRecords(events, { arrivalDelayMs: 10_000 }));
    expect(responses.map((r) => r.target)).toEqual([{ type: 'ip', value: '2001:db8:5:6::/64' }]);
    await write(...responses);
    // Another address of the /64, never seen by the engine and written another way; and the next /64.
    const inside = { from: PROXY, forwarded: '2001:0DB8:5:6:FFFF:0:0:1' };
    const outside = { from: PROXY, forwarded: '2001:db8:5:7::1' };
    await firstAnswered(`${url}/`, inside.from, 403, headersOf(inside));
    expect((await httpFrom(`${url}/`, { from: outside.from, headers: headersOf(outside) })).status).toBe(200);
    await revoke((responses[0] as SecurityResponse).id);
    await firstAnswered(`${url}/`, inside.from, 200, headersOf(inside));
  });

  test('a simulated ban is counted, never enforced', async () => {
    const ban = banResponse('shop', '127.0.0.88', { simulated: true });
    await write(ban);
    await waitFor('the simulated ban known', () => agent.stats().responses.simulated === 1);
    const before = agent.stats().requests.simulated;
    expect((await httpFrom(`${url}/`, { from: '127.0.0.88' })).status).toBe(200);
    expect(agent.stats().requests.simulated).toBe(before + 1);
    await revoke(ban.id);
  });

  test('a ban stops at its expiry, with nothing more from Riposte', async () => {
    await write(banResponse('shop', '127.0.0.89', { seconds: 2 }));
    await firstAnswered(`${url}/`, '127.0.0.89', 403);
    await firstAnswered(`${url}/`, '127.0.0.89', 200);
  });

  test('a redirect on a user sends that user to its URL, once the application identifies them', async () => {
    const redirect = { ...banResponse('shop', 'x'), action: 'redirect' as const, target: { type: 'user' as const, value: 'alice@example.com' }, redirectUrl: '/security-check' };
    await write(redirect);
    const user = { 'x-user': 'alice@example.com' };
    await firstAnswered(`${url}/account`, '127.0.0.90', 303, user);
    expect((await httpFrom(`${url}/account`, { from: '127.0.0.90', headers: user })).headers.location).toBe('/security-check');
    expect((await httpFrom(`${url}/security-check`, { from: '127.0.0.90', headers: user })).status).toBe(200);
    expect((await httpFrom(`${url}/account`, { from: '127.0.0.90', headers: { 'x-user': 'bob@example.com' } })).status).toBe(200);
    await revoke(redirect.id);
  });

  test('logins, 404s and rule hits reach the stream, each event once, from the client that caused it', async () => {
    for (let i = 0; i < 3; i++) expect((await postJsonFrom(`${url}/login`, '127.0.0.91', { login: `user${i}@example.com` })).status).toBe(401);
    expect((await httpFrom(`${url}/missing/.env`, { from: '127.0.0.92' })).status).toBe(404);
    expect((await postJsonFrom(`${url}/comment`, '127.0.0.93', { text: "x' OR '1'='1" })).status).toBe(403);
    // A forged header from a client that is not the proxy changes nothing.
    expect((await postJsonFrom(`${url}/login`, '127.0.0.94', { login: 'eve@example.com' }, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(401);
    await waitFor('six events sent', () => agent.stats().events.sent >= 6);
    const events = (await readStream(kinesis, api.streamName)).map((r) => JSON.parse(r.data.toString('utf8')) as Record<string, unknown>).filter((e) => (e.agent as { id?: string } | undefined)?.id === 'it-agent');
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = events.map((e) => {
      const actor = e.actor as { ip: string };
      const detail = e.type === 'attack' ? (e.attack as { rule: string }).rule : e.type === 'request' ? (e.request as { path: string }).path : (e.user as { login: string }).login;
      return `${e.type} ${actor.ip} ${detail}`;
    });
    expect(seen).toEqual(
      expect.arrayContaining([
        'login_failure 127.0.0.91 user0@example.com',
        'login_failure 127.0.0.91 user1@example.com',
        'login_failure 127.0.0.91 user2@example.com',
        'request 127.0.0.92 /missing/.env',
        'attack 127.0.0.93 sqli-001',
        'login_failure 127.0.0.94 eve@example.com',
      ]),
    );
    expect(events.every((e) => e.appId === 'shop')).toBe(true);
  });
});

describe('in a Fastify application', () => {
  let agent: RiposteAgent;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    // Fastify's request, as the application's own hook decorated it, is what identify() reads.
    agent = agentFor({ agentId: 'it-fastify', identify: (_raw, request) => (request as { user?: string } | undefined)?.user });
    app = fastify();
    app.decorateRequest('user', undefined);
    app.addHook('onRequest', async (request) => {
      (request as unknown as { user?: string }).user = request.headers['x-session-user'] as string | undefined;
    });
    await app.register(agent.fastify());
    app.get('/', async () => 'shop');
    app.get('/security-check', async () => 'prove it is you');
    app.post('/comment', async () => ({ ok: true }));
    app.post('/login', async (request, reply) => {
      agent.track({ type: 'login_failure', user: { login: 'carol@example.com' } }, request);
      return reply.code(401).send();
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    expect(await agent.ready({ timeoutMs: 10_000 })).toBe(true);
  });
  afterAll(async () => {
    await agent.close();
    await app.close();
  });

  test('a ban answers 403 from onRequest; a rule hit in a JSON body answers 403; a 404 is reported', async () => {
    const ban = banResponse('shop', '127.0.0.95');
    await write(ban);
    await firstAnswered(`${url}/`, '127.0.0.95', 403);
    expect((await httpFrom(`${url}/`, { from: '127.0.0.96' })).status).toBe(200);
    expect((await postJsonFrom(`${url}/comment`, '127.0.0.96', { text: '<script>alert(1)</script>' })).status).toBe(403);
    expect((await postJsonFrom(`${url}/comment`, '127.0.0.96', { text: 'lovely tea' })).status).toBe(200);
    expect((await httpFrom(`${url}/missing`, { from: '127.0.0.96' })).status).toBe(404);
    await waitFor('the attack and the 404 sent', () => agent.stats().events.sent >= 2);
    expect(agent.stats().requests).toMatchObject({ banned: 1, blockedByRule: 1 });
    await revoke(ban.id);
  });

  test("a redirect on the user identified from Fastify's request, and track() given Fastify's request", async () => {
    const redirect = { ...banResponse('shop', 'x'), action: 'redirect' as const, target: { type: 'user' as const, value: 'carol@example.com' }, redirectUrl: '/security-check' };
    await write(redirect);
    const carol = { 'x-session-user': 'carol@example.com' };
    await firstAnswered(`${url}/`, '127.0.0.97', 303, carol);
    expect((await httpFrom(`${url}/security-check`, { from: '127.0.0.97', headers: carol })).status).toBe(200);
    expect((await httpFrom(`${url}/`, { from: '127.0.0.97' })).status).toBe(200);
    await revoke(redirect.id);
    const sent = agent.stats().events.sent;
    expect((await postJsonFrom(`${url}/login`, '127.0.0.98', {})).status).toBe(401);
    await waitFor('the login failure sent', () => agent.stats().events.sent === sent + 1);
    const events = (await readStream(kinesis, api.streamName)).map((r) => JSON.parse(r.data.toString('utf8')) as { type: string; actor: { ip: string }; agent?: { id: string } });
    expect(events.filter((e) => e.agent?.id === 'it-fastify' && e.type === 'login_failure').map((e) => e.actor.ip)).toEqual(['127.0.0.98']);
  });
});
