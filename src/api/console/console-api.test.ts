/**
 * The console's side of the API, through inject(): signing in and out, what a session may do and
 * what it is refused (CSRF), settings validated as the CLI validates them, playbook checks, token
 * rotation, the response detail and the pages with their security headers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { builtInDetectors } from '../../../detectors';
import { ADMIN_TOKEN, banResponse, bearer, startApiHarness, type ApiHarness } from '../../../test/helpers/api-harness';
import { FAKE_SCRIPT, imageLayout } from '../../../test/helpers/console-build';
import { startLocalKinesis, type LocalKinesis } from '../../../test/helpers/local-kinesis';
import { FileRegistryStore } from '../../registry/file-store';
import { AppRegistry } from '../../registry/registry';
import { MemoryResponseStore } from '../../sinks/memory-store';
import { detectorCatalog } from './app-routes';
import { ConsoleBundle } from './bundle';
import { MemorySessionStore } from './sessions';
import type { DetectorsReply } from './wire';

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;
let registry: AppRegistry;
let store: MemoryResponseStore;
let registryDir: string;
let layout: string;
let now = Date.now();
const clock = () => now;
const sessions = new MemorySessionStore({ idleMs: 30 * 60_000, maxMs: 12 * 3600_000 }, clock);

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  registryDir = await mkdtemp(join(tmpdir(), 'riposte-console-api-'));
  registry = new AppRegistry(FileRegistryStore.inDataDir(registryDir), builtInDetectors);
  store = new MemoryResponseStore();
  layout = imageLayout();
  api = await startApiHarness({
    kinesis,
    apps: ['shop', 'blog'],
    registryDir,
    reader: store,
    overrides: {
      console: { registry, definitions: builtInDetectors, sessions, timeline: store, bundle: new ConsoleBundle(layout) },
    },
  });
});
afterAll(async () => {
  await api.close();
  await local.close();
  await rm(registryDir, { recursive: true, force: true });
  await rm(layout, { recursive: true, force: true });
});

const HOST = 'localhost:80';

interface Signed {
  cookie: string;
  csrf: string;
}

async function signIn(): Promise<Signed> {
  const response = await api.app.inject({ method: 'POST', url: '/v1/admin/session', headers: { host: HOST, origin: `http://${HOST}` }, payload: { token: ADMIN_TOKEN } });
  expect(response.statusCode).toBe(200);
  const cookie = /^(riposte_console=[^;]+)/.exec(String(response.headers['set-cookie']))?.[1] as string;
  return { cookie, csrf: (response.json() as { csrfToken: string }).csrfToken };
}

function withSession(s: Signed, request: InjectOptions, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return api.app.inject({ ...request, headers: { host: HOST, cookie: s.cookie, ...extra } });
}

describe('signing in', () => {
  test.each([
    ['a wrong token', { token: 'not-the-admin-token-0000000000' }, {}, 401, 'admin_unauthorized'],
    ["an application's agent token", () => ({ token: api.tokens.shop }), {}, 401, 'admin_unauthorized'],
    ['no token', {}, {}, 400, 'bad_request'],
    ['a request another site made', { token: ADMIN_TOKEN }, { 'sec-fetch-site': 'cross-site' }, 403, 'csrf_refused'],
    ['a request from another origin', { token: ADMIN_TOKEN }, { origin: 'https://evil.example' }, 403, 'csrf_refused'],
  ] as const)('%s is refused and gets no session', async (_name, body, headers, status, code) => {
    const payload = typeof body === 'function' ? body() : body;
    const response = await api.app.inject({ method: 'POST', url: '/v1/admin/session', headers: { host: HOST, ...headers }, payload });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: code });
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  test('the admin token gives an HttpOnly, SameSite=Strict session cookie for the admin API only, and never reaches a log', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/v1/admin/session', headers: { host: HOST }, payload: { token: ADMIN_TOKEN } });
    expect(response.statusCode).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^riposte_console=[A-Za-z0-9_-]{43}; Path=\/v1\/admin; HttpOnly; SameSite=Strict$/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toMatchObject({ csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), idleMinutes: 30 });
    const id = /=([^;]+)/.exec(cookie)?.[1] as string;
    expect(api.logs.join('\n')).not.toContain(ADMIN_TOKEN);
    expect(api.logs.join('\n')).not.toContain(id);
  });

  test('after a reload the cookie gets the CSRF token back; without a cookie there is no session', async () => {
    const s = await signIn();
    const again = await withSession(s, { method: 'GET', url: '/v1/admin/session' });
    expect(again.json()).toMatchObject({ csrfToken: s.csrf });
    const none = await api.app.inject({ method: 'GET', url: '/v1/admin/session' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'session_required' });
  });
});

describe('a session', () => {
  test('reads the admin API', async () => {
    const s = await signIn();
    const response = await withSession(s, { method: 'GET', url: '/v1/admin/apps' });
    expect(response.statusCode).toBe(200);
  });

  test.each([
    ['without the CSRF token', (_s: Signed) => ({}), 403],
    ['with a wrong CSRF token', (_s: Signed) => ({ 'x-csrf-token': 'A'.repeat(43) }), 403],
    ['with the CSRF token from another origin', (s: Signed) => ({ 'x-csrf-token': s.csrf, origin: 'https://evil.example' }), 403],
    ['with the CSRF token, sent by another site', (s: Signed) => ({ 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' }), 403],
    ['with the CSRF token from this origin', (s: Signed) => ({ 'x-csrf-token': s.csrf, origin: `http://${HOST}` }), 200],
  ])('revoking %s: %i', async (_name, headers, status) => {
    const s = await signIn();
    const ban = banResponse('shop', '203.0.113.40');
    await store.write([ban]);
    const response = await withSession(s, { method: 'POST', url: `/v1/admin/apps/shop/responses/${ban.id}/revoke` }, headers(s));
    expect(response.statusCode).toBe(status);
    expect((await store.get('shop', ban.id))?.revokedAt !== null).toBe(status === 200);
  });

  test('signing out ends it: the cookie is cleared and no longer opens anything', async () => {
    const s = await signIn();
    const out = await withSession(s, { method: 'DELETE', url: '/v1/admin/session' }, { 'x-csrf-token': s.csrf });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^riposte_console=; .*Expires=Thu, 01 Jan 1970/);
    const after = await withSession(s, { method: 'GET', url: '/v1/admin/apps' });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ error: 'session_required' });
  });

  test.each([
    ['idle for 30 minutes', [30 * 60_000]],
    ['12 hours after it began, however busy', Array.from({ length: 25 }, () => 29 * 60_000)],
  ])('ends when %s', async (_name, steps) => {
    const s = await signIn();
    try {
      for (const [i, step] of steps.entries()) {
        now += step;
        const response = await withSession(s, { method: 'GET', url: '/v1/admin/apps' });
        expect(response.statusCode).toBe(i === steps.length - 1 ? 401 : 200);
      }
    } finally {
      now = Date.now();
    }
  });
});

describe('settings of an application', () => {
  const save = async (settings: unknown) => {
    const s = await signIn();
    return withSession(s, { method: 'PUT', url: '/v1/admin/apps/blog/settings', payload: { settings } }, { 'x-csrf-token': s.csrf });
  };

  test.each([
    ['a threshold below the minimum', { detectors: { 'login-brute-force': { threshold: 1 } } }, 'detectors.login-brute-force.threshold', /2/],
    ['a threshold that is not a whole number', { detectors: { 'login-brute-force': { threshold: 2.5 } } }, 'detectors.login-brute-force.threshold', /int/],
    ['an allowlist entry that is not an address', { allowlist: { ips: ['10.0.0.0/8', 'not-an-ip'] } }, 'allowlist.ips.1', /not-an-ip/],
    ['an unknown detector', { detectors: { 'no-such-detector': { enabled: false } } }, 'detectors', /no-such-detector/],
  ])('%s is refused with the issue at its key, and nothing changes', async (_name, settings, path, message) => {
    const before = await registry.get('blog');
    const response = await save(settings);
    expect(response.statusCode).toBe(400);
    const body = response.json() as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe('invalid_settings');
    expect(body.issues).toEqual([expect.objectContaining({ path })]);
    expect(body.issues[0]?.message).toMatch(message);
    expect((await registry.get('blog')).revision).toBe(before.revision);
  });

  test('valid settings are stored and served at once', async () => {
    const before = await registry.get('blog');
    const settings = { detectors: { scanner: { enabled: false }, 'login-brute-force': { threshold: 7, simulate: true } }, allowlist: { users: ['monitor@blog.example'] } };
    const response = await save(settings);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ app: { appId: 'blog', revision: before.revision + 1, settings } });
    const apps = await api.app.inject({ method: 'GET', url: '/v1/admin/apps', headers: bearer(ADMIN_TOKEN) });
    expect((apps.json() as { apps: { appId: string; settings: unknown }[] }).apps.find((a) => a.appId === 'blog')?.settings).toEqual(settings);
  });

  test('the detectors are described with every parameter and its default', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/v1/admin/detectors', headers: bearer(ADMIN_TOKEN) });
    const detectors = (response.json() as DetectorsReply).detectors;
    expect(detectors.map((d) => d.name).sort()).toEqual(builtInDetectors.map((d) => d.name).sort());
    expect(detectors.find((d) => d.name === 'login-brute-force')?.params).toContainEqual(expect.objectContaining({ name: 'threshold', default: 10 }));
  });

  test('a parameter with no plain default is described with default null (the form then shows none)', () => {
    const params = z.object({ threshold: z.int().default(10), label: z.string().optional(), paths: z.array(z.string()).default(['/login']) });
    const [described] = detectorCatalog([{ name: 'probe', description: 'd', params, plan: () => { throw new Error('the catalog does not plan'); } }]);
    expect(described?.params.map((p) => [p.name, p.default])).toEqual([
      ['threshold', 10],
      ['label', null],
      ['paths', null],
    ]);
  });
});

describe('playbooks, token, detail', () => {
  test('each playbook is listed with what the checker says of it', async () => {
    const valid = 'name: many-coupons\ndescription: d\nmatch: { type: custom, event: coupon }\ngroupBy: actor.ip\nwindow: 1m\nthreshold: { count: 5 }\nreason: "{count} coupons"\nresponse: { action: ban, target: actor.ip, duration: 10m }\n';
    const invalid = 'name: broken\ndescription: d\nmatch: { type: custom }\ngroupBy: actor.ip\nwindow: forever\n';
    await registry.configure('shop', { playbooks: [{ name: 'many-coupons', yaml: valid }, { name: 'broken', yaml: invalid }] });
    await api.watcher.refresh({ force: true });
    const response = await api.app.inject({ method: 'GET', url: '/v1/admin/apps/shop/playbooks', headers: bearer(ADMIN_TOKEN) });
    const { playbooks } = response.json() as { playbooks: { name: string; ok: boolean; summary: string | null; problems: { line: number; path: string }[] }[] };
    expect(playbooks.find((p) => p.name === 'many-coupons')).toMatchObject({ ok: true, summary: 'count', problems: [] });
    const broken = playbooks.find((p) => p.name === 'broken');
    expect(broken?.ok).toBe(false);
    expect(broken?.problems).toContainEqual(expect.objectContaining({ line: 5, path: 'window' }));
  });

  test('rotating gives a new agent token, shown once, and refuses the old one at once', async () => {
    const old = (await registry.rotate('blog')).token;
    await api.watcher.refresh({ force: true });
    const s = await signIn();
    const response = await withSession(s, { method: 'POST', url: '/v1/admin/apps/blog/token' }, { 'x-csrf-token': s.csrf });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const { token, revoked } = response.json() as { token: string; revoked: number };
    expect(revoked).toBe(1);
    const rules = (t: string) => api.app.inject({ method: 'GET', url: '/v1/agent/rules', headers: bearer(t) });
    expect((await rules(token)).statusCode).toBe(200);
    expect((await rules(old)).statusCode).toBe(401);
    expect(api.logs.join('\n')).not.toContain(token);
  });

  test.each([
    ['a response of the application', 'shop', true, 200],
    ['an unknown response', 'shop', false, 404],
    ['a response asked for through another application', 'blog', true, 404],
  ])('the detail of %s: %i', async (_name, appId, exists, status) => {
    const ban = { ...banResponse('shop', '203.0.113.41'), evidence: { count: 20, windowSeconds: 600, firstSeen: 'a', lastSeen: 'b', samples: ['<b>x</b>'] } };
    if (exists) await store.write([ban]);
    const response = await api.app.inject({ method: 'GET', url: `/v1/admin/apps/${appId}/responses/${ban.id}`, headers: bearer(ADMIN_TOKEN) });
    expect(response.statusCode).toBe(status);
    if (status === 200) expect(response.json()).toMatchObject({ response: { id: ban.id, status: 'active', evidence: { count: 20, samples: ['<b>x</b>'] } } });
  });
});

describe('the pages', () => {
  test.each([
    ['/console/', 'text/html', 'no-store'],
    ['/console/feed', 'text/html', 'no-store'],
    ['/console/apps/shop/responses/abc', 'text/html', 'no-store'],
    ['/console/assets/index-abc.js', 'text/javascript', 'immutable'],
  ])('%s is served with the strict CSP', async (url, type, cache) => {
    const response = await api.app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain(type);
    expect(response.headers['cache-control']).toContain(cache);
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  test('files go gzipped to a client that takes gzip, plain to one that does not', async () => {
    const gzipped = await api.app.inject({ method: 'GET', url: '/console/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(FAKE_SCRIPT);
    const plain = await api.app.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(FAKE_SCRIPT);
  });

  test.each([
    ['/console', 302],
    ['/console/assets/missing.js', 404],
    ['/console/../package.json', 404],
  ])('%s: %i', async (url, status) => {
    expect((await api.app.inject({ method: 'GET', url })).statusCode).toBe(status);
  });
});

describe('without an admin token', () => {
  test.each([
    ['signing in', { method: 'POST', url: '/v1/admin/session', payload: { token: ADMIN_TOKEN } }],
    ['the admin API', { method: 'GET', url: '/v1/admin/apps', headers: bearer(ADMIN_TOKEN) }],
    ['the live feed', { method: 'GET', url: '/v1/admin/feed', headers: bearer(ADMIN_TOKEN) }],
  ] as const)('%s is off, and says how to turn it on', async (_name, request) => {
    const off = await startApiHarness({ kinesis, apps: ['shop'], overrides: { adminToken: undefined } });
    try {
      const response = await off.app.inject(request as InjectOptions);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ message: expect.stringContaining('RIPOSTE_ADMIN_TOKEN') });
    } finally {
      await off.close();
    }
  });
});
