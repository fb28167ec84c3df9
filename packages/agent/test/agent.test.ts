/**
 * The agent as an application uses it, through createAgent() and its middleware on a real
 * `node:http` server, against a stand-in of the agent API (api-double.ts) for what the real API
 * cannot be made to do on demand. The same behaviours against the real API: test/integration/agent.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createAgent, type AgentOptions, type RiposteAgent } from '../src';
import { AgentOptionError } from '../src/option-error';
import { apiDouble, type ApiDouble } from './api-double';
import { response } from './factories';
import { listen, send, until, type Loopback } from './loopback';

let api: ApiDouble;
let app: Loopback;
let agent: RiposteAgent;
let lines: string[];

/** An application on node:http with the agent's middleware in front: 404 under /missing, 200 elsewhere. */
async function start(options: Partial<AgentOptions> = {}): Promise<void> {
  lines = [];
  agent = createAgent({
    url: api.url,
    token: 'rpt_test',
    agentId: 'agent-test',
    logger: { warn: (_f, m) => lines.push(`warn: ${m}`), error: (_f, m) => lines.push(`error: ${m}`) },
    batch: { scheduledDelayMillis: 10 },
    sync: { waitSeconds: 5 },
    retry: { initialBackoffMillis: 20, maxBackoffMillis: 100 },
    ...options,
  });
  const middleware = agent.middleware();
  app = await listen((req, res) =>
    middleware(req, res, () => {
      res.statusCode = req.url?.startsWith('/missing') === true ? 404 : 200;
      res.end('app');
    }),
  );
  expect(await agent.ready({ timeoutMs: 10_000 })).toBe(true);
}

beforeEach(async () => {
  api = await apiDouble();
});
afterEach(async () => {
  await agent?.close({ timeoutMs: 500 });
  await app?.close();
  await api.close();
});

const status = async (path = '/', from = '127.0.0.66'): Promise<number> => (await send(`${app.url}${path}`, { from })).status;

describe('enforcing responses', () => {
  test('a ban loaded at start answers 403 before the application runs; other clients pass', async () => {
    api.active = [response({ ip: '127.0.0.66' })];
    await start();
    expect(await status('/', '127.0.0.66')).toBe(403);
    expect(await status('/', '127.0.0.77')).toBe(200);
    expect(agent.stats().requests.banned).toBe(1);
  });

  test('a ban arriving on the long-poll is enforced, and its revocation lifts it', async () => {
    await start();
    const ban = response({ ip: '127.0.0.66' });
    api.push(ban);
    await until('the ban enforced', async () => (await status()) === 403);
    api.push({ ...ban, status: 'revoked' });
    await until('the ban lifted', async () => (await status()) === 200);
  });

  test('a simulated ban is not enforced, only counted', async () => {
    api.active = [response({ ip: '127.0.0.66', simulated: true })];
    await start();
    expect(await status()).toBe(200);
    expect(agent.stats().requests).toMatchObject({ banned: 0, simulated: 1 });
    expect(agent.stats().responses).toMatchObject({ addresses: 0, simulated: 1 });
  });

  test('a redirect on the identified user answers 303, except on the page it sends them to', async () => {
    api.active = [response({ user: 'alice@example.com', redirectUrl: '/security-check?from=riposte' })];
    await start({ identify: (req: IncomingMessage) => req.headers['x-user'] as string | undefined });
    const answer = await send(`${app.url}/account`, { headers: { 'x-user': 'alice@example.com' } });
    expect([answer.status, answer.headers.location]).toEqual([303, '/security-check?from=riposte']);
    expect((await send(`${app.url}/security-check`, { headers: { 'x-user': 'alice@example.com' } })).status).toBe(200);
    expect((await send(`${app.url}/account`, { headers: { 'x-user': 'bob@example.com' } })).status).toBe(200);
    expect((await send(`${app.url}/account`)).status).toBe(200);
  });

  test('a cursor Riposte refuses: the agent loads the active responses again, and they replace what it had', async () => {
    api.active = [response({ id: 'old', ip: '127.0.0.66' })];
    await start();
    expect(await status()).toBe(403);
    api.active = [response({ id: 'new', ip: '127.0.0.67' })];
    api.refuseCursor();
    await until('the new list loaded', async () => (await status('/', '127.0.0.67')) === 403);
    expect(await status('/', '127.0.0.66')).toBe(200);
    expect(lines).toContain("warn: Riposte no longer accepts the agent's cursor; loading the active responses again");
  });

  test('blockReply chooses the answer', async () => {
    api.active = [response({ ip: '127.0.0.66' })];
    await start({ blockReply: (block) => ({ status: 429, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blocked: block.kind }) }) });
    const answer = await send(`${app.url}/`, { from: '127.0.0.66' });
    expect([answer.status, answer.body]).toEqual([429, '{"blocked":"response"}']);
  });
});

describe('reporting', () => {
  test('track() reports a login failure with the client address, the agent and an id', async () => {
    await start();
    const served = await listen((req, res) => {
      agent.track({ type: 'login_failure', user: { login: 'alice@example.com' } }, req);
      res.end();
    });
    await send(served.url, { from: '127.0.0.55', method: 'POST', headers: { 'user-agent': 'curl/8' } });
    await served.close();
    await until('the event sent', () => api.events.length === 1);
    expect(api.events[0]).toEqual({
      v: 1,
      id: expect.stringMatching(/^agent-test:[A-Za-z0-9_-]{8}:1$/),
      ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      type: 'login_failure',
      actor: { ip: '127.0.0.55', userAgent: 'curl/8' },
      user: { login: 'alice@example.com' },
      request: { method: 'POST', path: '/' },
      agent: { id: 'agent-test', host: expect.any(String) },
    });
  });

  test('a request the application answers 404 is reported; a 200 is not', async () => {
    await start();
    expect(await status('/missing/wp-login.php?x=1')).toBe(404);
    expect(await status('/found')).toBe(200);
    await until('the event sent', () => api.events.length === 1);
    expect(api.events[0]).toMatchObject({ type: 'request', actor: { ip: '127.0.0.66' }, request: { method: 'GET', path: '/missing/wp-login.php', status: 404 } });
  });

  test('a rule hit is answered 403 and reported as an attack', async () => {
    await start();
    expect(await status('/search?q=%3Cscript%3Ealert(1)')).toBe(403);
    await until('the event sent', () => api.events.length === 1);
    expect(api.events[0]).toMatchObject({ type: 'attack', actor: { ip: '127.0.0.66' }, attack: { category: 'xss', rule: 'xss-001', blocked: true }, request: { path: '/search' } });
    expect(agent.stats().requests.blockedByRule).toBe(1);
  });

  test('what an attacker typed is cut to the limits and its control characters replaced', async () => {
    await start();
    const served = await listen((req, res) => {
      agent.track({ type: 'login_failure', user: { login: `evil\tlogin${'x'.repeat(300)}` } }, req);
      res.end();
    });
    await send(served.url, { headers: { 'user-agent': 'a\tb' } });
    await served.close();
    await until('the event sent', () => api.events.length === 1);
    const event = api.events[0] as unknown as { user: { login: string }; actor: { userAgent: string } };
    expect(event.user.login).toHaveLength(256);
    expect(event.user.login.startsWith('evil\ufffdlogin')).toBe(true);
    expect(event.actor.userAgent).toBe('a\ufffdb');
  });

  test.each<[string, unknown, string]>([
    ['an attack type', { type: 'attack' }, 'the middleware reports attacks and 404s itself'],
    ['a custom event without its name', { type: 'custom' }, 'a custom event needs its name'],
    ['no request and no actor.ip', { type: 'login_failure' }, "the client's address is unknown"],
    ['not an object', null, 'the event is not an object'],
  ])('track() with %s is counted and logged, never thrown', async (_name, event, message) => {
    await start();
    expect(() => agent.track(event as never)).not.toThrow();
    expect(agent.stats().events.invalid).toBe(1);
    expect(lines).toEqual([expect.stringContaining(message)]);
  });
});

describe('the application comes first', () => {
  test('an identify() that throws lets the request through, counted and logged', async () => {
    api.active = [response({ user: 'alice@example.com' })];
    await start({
      identify: () => {
        throw new Error('session store down');
      },
    });
    expect(await status()).toBe(200);
    expect(agent.stats().requests.errors).toBe(1);
    expect(lines).toEqual([expect.stringContaining('the agent failed in options.identify')]);
  });

  test('a blockReply that throws lets the request through', async () => {
    api.active = [response({ ip: '127.0.0.66' })];
    await start({
      blockReply: () => {
        throw new Error('oops');
      },
    });
    expect(await status()).toBe(200);
    expect(agent.stats().requests.errors).toBe(1);
  });

  test('a Riposte answering nonsense is logged and survived; the application is untouched', async () => {
    const nonsense = await listen((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1/agent/rules') === true) return void res.end(JSON.stringify({ pack: { format: 9 }, responses: [1, null, { id: 'x', action: 'nuke' }], cursor: 'c1' }));
      if (req.url?.startsWith('/v1/agent/responses') === true) return void res.end('{"responses": "nope"');
      res.end('<html>');
    });
    const logged: string[] = [];
    const odd = createAgent({ url: nonsense.url, token: 'rpt_test', logger: { warn: (_f, m) => logged.push(m), error: (_f, m) => logged.push(m) }, retry: { initialBackoffMillis: 20, maxBackoffMillis: 50 } });
    const served = await listen((req, res) => odd.middleware()(req, res, () => res.end('app')));
    try {
      expect(await odd.ready({ timeoutMs: 5000 })).toBe(true);
      await until('the bad poll logged', () => logged.some((m) => m.includes('GET /v1/agent/responses answered something that is not JSON')));
      expect((await send(served.url)).body).toBe('app');
      expect(logged).toEqual(
        expect.arrayContaining([
          expect.stringContaining('this agent reads format 1'),
          'skipped a response the agent cannot read',
        ]),
      );
      expect(odd.stats()).toMatchObject({ rules: { version: null, count: 0 }, responses: { addresses: 0 }, requests: { errors: 0 } });
    } finally {
      await odd.close();
      await served.close();
      await nonsense.close();
    }
  });

  test('ready() resolves false after its timeout while Riposte is unreachable', async () => {
    const down = createAgent({ url: 'http://127.0.0.1:1', token: 'rpt_test', logger: false, retry: { initialBackoffMillis: 20, maxBackoffMillis: 50 } });
    expect(await down.ready({ timeoutMs: 200 })).toBe(false);
    expect(down.stats()).toMatchObject({ ready: false, connected: false });
    const waiting = down.ready();
    expect(await down.close()).toBe(true);
    expect(await waiting).toBe(false);
    expect(await down.ready()).toBe(false);
  });

  test('an agent never keeps the process alive: an application that ends without close() exits', () => {
    // A child holds an agent on a Riposte that accepts connections and never answers, with events queued.
    const script = `
      const http = require('node:http');
      const { createAgent } = require(${JSON.stringify(join(__dirname, '..', 'src'))});
      const frozen = http.createServer(() => {}).listen(0, '127.0.0.1', () => {
        // The stand-in Riposte's own sockets must not hold the process either: only the agent's are under test.
        frozen.unref();
        frozen.on('connection', (socket) => socket.unref());
        const agent = createAgent({ url: 'http://127.0.0.1:' + frozen.address().port, token: 'rpt_x', logger: false });
        agent.track({ type: 'login_failure', actor: { ip: '203.0.113.7' } });
        setTimeout(() => console.log('app done'), 200);
      });`;
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stdout.trim()).toBe('app done');
    expect([run.status, run.signal]).toEqual([0, null]);
  });
});

describe('options', () => {
  test.each<[string, Partial<AgentOptions>, string]>([
    ['no url (an unset variable)', { url: undefined }, 'options.url is undefined; expected the URL of Riposte\'s API'],
    ['a url that is not one', { url: 'riposte:8080' }, 'options.url is "riposte:8080"'],
    ['a url with a token in it', { url: 'http://u:p@riposte:8080' }, 'without credentials'],
    ['no token', { token: undefined }, 'options.token is undefined'],
    ['a batch larger than the API takes', { batch: { maxExportBatchSize: 800 } }, 'options.batch.maxExportBatchSize is 800; expected a whole number from 1 to 500'],
    ['a long-poll longer than the API holds', { sync: { waitSeconds: 60 } }, 'options.sync.waitSeconds is 60'],
    ['a long-poll that does not wait', { sync: { waitSeconds: 0 } }, 'expected a whole number of seconds from 1 to 55'],
    ['identify that is not a function', { identify: 'session' as never }, 'options.identify is "session"; expected a function'],
    ['trusting every proxy hop', { trustProxy: true }, 'options.trustProxy is true'],
  ])('%s is an error at creation that names the option', (_name, options, message) => {
    const create = (): RiposteAgent => createAgent({ url: 'http://127.0.0.1:8080', token: 'rpt_test', ...options });
    expect(create).toThrow(AgentOptionError);
    expect(create).toThrow(message);
  });

  test('a token never appears in an error', () => {
    expect(() => createAgent({ url: 'http://127.0.0.1:8080', token: 'rpt secret' })).toThrow(/options\.token is "\(hidden\)"/);
  });

  test("the agent announces itself with its package's version", async () => {
    await start();
    const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(api.userAgent).toBe(`riposte-agent/${version} node/${process.versions.node}`);
  });
});
