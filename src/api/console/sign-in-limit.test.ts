/**
 * The limit on wrong admin tokens. Over real HTTP, two source addresses (127.0.0.66 and 127.0.0.67,
 * both loopback) on one server: one locked out after its failures, the right token refused while it
 * is, the other untouched; the bearer path sharing the budget; the counts in /metrics and the
 * warnings few. Then, on the limiter itself, the limit over all addresses and the bounded table.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { RecordingLogger } from '../../../test/helpers/recording-logger';
import { ADMIN_TOKEN, startApiHarness, type ApiHarness } from '../../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../../test/helpers/local-kinesis';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter } from './sign-in-limit';

const LOCKED = '127.0.0.66';
const OTHER = '127.0.0.67';
const WRONG = 'not-the-admin-token-0000000000';
const BURST = DEFAULT_SIGN_IN_LIMITS.perAddress.burst;
const SECONDS_PER_FAILURE = 1 / DEFAULT_SIGN_IN_LIMITS.perAddress.perSecond;

let local: LocalKinesis;
let kinesis: KinesisClient;
let api: ApiHarness;
let port: number;
let now = Date.now();

beforeAll(async () => {
  local = await startLocalKinesis();
  kinesis = local.client();
  api = await startApiHarness({ kinesis, clock: () => now });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  port = (api.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await api.close();
  await local.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A real HTTP request sent from `from`, so that the server sees that address. */
function send(from: string, method: 'GET' | 'POST', path: string, o: { token?: string; bearer?: string } = {}): Promise<Answer> {
  const body = o.token === undefined ? undefined : JSON.stringify({ token: o.token });
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (o.bearer !== undefined) headers.authorization = `Bearer ${o.bearer}`;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, localAddress: from, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

const signIn = (from: string, token: string) => send(from, 'POST', '/v1/admin/session', { token });

describe('wrong admin tokens from one address', () => {
  test(`${BURST} failed sign-ins from one address lock it out (429, Retry-After, the API's error shape); another address is not`, async () => {
    for (let i = 0; i < BURST; i++) expect((await signIn(LOCKED, WRONG)).status).toBe(401);
    const refused = await signIn(LOCKED, WRONG);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(SECONDS_PER_FAILURE));
    expect(refused.body).toEqual({
      error: 'sign_in_limited',
      message: `too many wrong admin tokens from ${LOCKED}: for ${SECONDS_PER_FAILURE} s no admin token is checked from there, and the right one is refused too; try again after Retry-After`,
      requestId: expect.any(String),
      limit: 'address',
    });
    const other = await signIn(OTHER, WRONG);
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ error: 'admin_unauthorized' });
  });

  test('the right token is refused too while the address is locked out, and gets no session; from another address it signs in', async () => {
    const locked = await signIn(LOCKED, ADMIN_TOKEN);
    expect(locked.status).toBe(429);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expect((await signIn(OTHER, ADMIN_TOKEN)).status).toBe(200);
  });

  test('a bearer token on the admin API shares the budget: refused from the locked address, the right one too; counted from another', async () => {
    const locked = await send(LOCKED, 'GET', '/v1/admin/apps', { bearer: ADMIN_TOKEN });
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: 'sign_in_limited', limit: 'address' });
    expect((await send(OTHER, 'GET', '/v1/admin/apps', { bearer: WRONG })).status).toBe(401);
    expect((await send(OTHER, 'GET', '/v1/admin/apps', { bearer: ADMIN_TOKEN })).status).toBe(200);
  });

  test('once Retry-After has passed the address may try again: one more failure, then locked out again', async () => {
    now += SECONDS_PER_FAILURE * 1000;
    expect((await signIn(LOCKED, WRONG)).status).toBe(401);
    expect((await signIn(LOCKED, WRONG)).status).toBe(429);
    now += SECONDS_PER_FAILURE * 1000;
    expect((await signIn(LOCKED, ADMIN_TOKEN)).status).toBe(200);
  });

  test('/metrics counts the failures and the refusals, by way and limit', async () => {
    const text = await api.metrics.metrics();
    expect(text).toContain(`riposte_admin_sign_in_failures_total{way="console"} ${BURST + 2}`);
    expect(text).toContain('riposte_admin_sign_in_failures_total{way="bearer"} 1');
    expect(text).toContain('riposte_admin_sign_in_refused_total{way="console",limit="address"} 3');
    expect(text).toContain('riposte_admin_sign_in_refused_total{way="bearer",limit="address"} 1');
    expect(text).toContain('riposte_admin_sign_in_refused_total{way="console",limit="overall"} 0');
  });

  test('the locked address has one warning line, not one per attempt, naming it', () => {
    const warnings = api.logs.map((line) => JSON.parse(line) as { level: number; address?: string; msg: string }).filter((line) => line.level === 40 && line.address === LOCKED);
    // Its first failure, and one more after Retry-After: the log's interval (a minute) had not passed.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'admin sign-in failed: not the admin token', address: LOCKED, failed: 1, refused: 0 });
  });
});

describe('SignInLimiter', () => {
  test('past the limit over all addresses every address is refused, also one that never failed', () => {
    const limiter = new SignInLimiter({ overall: { burst: 3, perSecond: 1 } }, () => 0);
    const log = new RecordingLogger();
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      expect(limiter.refusal(ip, 'console', log)).toBeUndefined();
      limiter.failed(ip, 'console', log);
    }
    expect(limiter.refusal('192.0.2.4', 'console', log)).toEqual({ limit: 'overall', address: '192.0.2.4', retryAfterSeconds: 1 });
    expect(limiter.refusal('192.0.2.5', 'bearer', log)).toMatchObject({ limit: 'overall' });
    // The overall refusals are one source for the log: a spray of addresses is not a line each.
    expect(log.entries.filter((e) => e.msg?.startsWith('admin sign-in refused'))).toHaveLength(1);
  });

  test('the addresses of one IPv6 /64 share a budget', () => {
    const limiter = new SignInLimiter({ perAddress: { burst: 2, perSecond: 0.1 } }, () => 0);
    const log = new RecordingLogger();
    limiter.failed('2001:db8:1:2::1', 'console', log);
    limiter.failed('2001:db8:1:2::ffff', 'console', log);
    expect(limiter.refusal('2001:db8:1:2:abcd::9', 'console', log)).toMatchObject({ limit: 'address', address: '2001:db8:1:2::/64' });
    expect(limiter.refusal('2001:db8:1:3::1', 'console', log)).toBeUndefined();
  });

  test('a spray of addresses, each failing, keeps at most maxAddresses of them', () => {
    const limiter = new SignInLimiter({ maxAddresses: 500, overall: { burst: 1e9, perSecond: 1e9 } }, () => 0);
    const log = new RecordingLogger();
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      limiter.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'console', log);
      most = Math.max(most, limiter.held.buckets, limiter.held.logLines);
    }
    expect(most).toBe(500);
  });

  test.each([
    ['a burst of zero', { perAddress: { burst: 0, perSecond: 1 } }, 'signInLimits.perAddress.burst: 0 is not allowed; expected a positive number'],
    ['no addresses', { maxAddresses: 0 }, 'signInLimits.maxAddresses: 0 is not allowed; expected a whole number >= 1'],
  ])('limits with %s are refused, naming the field', (_name, limits, message) => {
    expect(() => new SignInLimiter(limits)).toThrow(message);
  });
});

describe('behind a load balancer (RIPOSTE_TRUSTED_PROXIES)', () => {
  const BALANCER = '10.0.0.5';
  /** A sign-in as a load balancer forwards it: from the balancer's address, the client's in X-Forwarded-For. */
  const forwarded = (harness: ApiHarness, client: string, token: string) =>
    harness.app.inject({ method: 'POST', url: '/v1/admin/session', remoteAddress: BALANCER, headers: { 'x-forwarded-for': client }, payload: { token } });

  test('with the balancer trusted, each client behind it has its own budget', async () => {
    const behind = await startApiHarness({ kinesis, overrides: { trustedProxies: ['10.0.0.0/16'] } });
    try {
      for (let i = 0; i < BURST; i++) expect((await forwarded(behind, '198.51.100.7', WRONG)).statusCode).toBe(401);
      const refused = await forwarded(behind, '198.51.100.7', WRONG);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ limit: 'address', message: expect.stringContaining('from 198.51.100.7:') });
      // Another client through the same balancer is not locked out with it.
      expect((await forwarded(behind, '198.51.100.8', WRONG)).statusCode).toBe(401);
      expect((await forwarded(behind, '198.51.100.8', ADMIN_TOKEN)).statusCode).toBe(200);
    } finally {
      await behind.close();
    }
  });

  test('with no proxy trusted (the default), X-Forwarded-For is ignored: a locked-out address cannot claim a fresh one', async () => {
    const direct = await startApiHarness({ kinesis });
    try {
      for (let i = 0; i < BURST; i++) expect((await forwarded(direct, `198.51.100.${i}`, WRONG)).statusCode).toBe(401);
      const refused = await forwarded(direct, '198.51.100.200', WRONG);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ limit: 'address', message: expect.stringContaining(`from ${BALANCER}:`) });
    } finally {
      await direct.close();
    }
  });
});
