/**
 * What @riposte/agent's middleware costs an application per request, against the application with
 * no middleware, in the same process and the same rounds. Each case calls the handler chain on real
 * `http.IncomingMessage`/`ServerResponse` objects, as a server would, without the socket and HTTP
 * parsing that every case would share; the figure is the difference of CPU time per request.
 *
 * The agent follows a stand-in Riposte serving the shipped rules pack (rules/pack.json) and 10,000
 * active bans on addresses plus one on an IPv6 /64, so the table is a large one and ranges are in use.
 *
 * - hit: a banned client: the agent answers 403 itself (the application does not run);
 * - miss: a client under no ban, whose request the rules inspect (path, query, cookies, user agent,
 *   and a JSON body for the POST), then the application answers.
 *
 *   npm run bench:agent -- [requests per round] [rounds]
 */
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { createAgent, type ConnectMiddleware } from '@riposte/agent';

const REQUESTS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 9);
const BANS = 10_000;
const TARGET_HIT_NS = 5000;

/** Serves the rules and BANS active bans, and holds long-polls until the bench ends. */
async function standInRiposte(): Promise<Server> {
  const pack = JSON.parse(readFileSync(join(__dirname, '..', 'rules', 'pack.json'), 'utf8')) as unknown;
  const expiresAt = new Date(Date.now() + 3600_000).toISOString();
  const ban = (id: string, value: string) => ({ id, action: 'ban', target: { type: 'ip', value }, redirectUrl: null, detector: 'bench', reason: 'bench', createdAt: new Date().toISOString(), expiresAt, simulated: false, status: 'active' });
  const responses = Array.from({ length: BANS }, (_, i) => ban(`b${i}`, `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`));
  responses.push(ban('range', '2001:db8:1:2::/64'));
  const rules = JSON.stringify({ pack, responses, cursor: 'c0' });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/agent/rules') === true) return void res.writeHead(200, { 'content-type': 'application/json' }).end(rules);
    if (req.url?.startsWith('/v1/agent/responses') === true) return; // held: nothing changes during the bench
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":0,"rejected":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function incoming(ip: string, method: string, url: string, headers: Record<string, string>, body?: unknown): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: ip });
  const req = new IncomingMessage(socket);
  req.method = method;
  req.url = url;
  req.headers = headers;
  if (body !== undefined) (req as IncomingMessage & { body?: unknown }).body = body;
  return req;
}

const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', cookie: 'sid=Zm9vYmFyYmF6; theme=dark', accept: 'text/html' };

/** The application: answers 200 with a small body. */
function application(_req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
}

type Case = { name: string; run: () => void; baseline?: boolean };

function cases(middleware: ConnectMiddleware): Case[] {
  const alone = (req: IncomingMessage) => () => application(req, new ServerResponse(req));
  const through = (req: IncomingMessage) => () => {
    const res = new ServerResponse(req);
    middleware(req, res, () => application(req, res));
  };
  const get = incoming('203.0.113.50', 'GET', '/products/12?ref=home&page=2', browser);
  const post = incoming('203.0.113.50', 'POST', '/reviews', { ...browser, 'content-type': 'application/json' }, { product: '12', rating: 5, text: 'Lovely tea, arrived quickly.' });
  return [
    { name: 'no middleware (baseline)', run: alone(get), baseline: true },
    { name: 'no middleware (control: baseline again)', run: alone(get) },
    { name: 'hit: banned IPv4 address → 403', run: through(incoming('198.51.7.7', 'GET', '/products/12?ref=home&page=2', browser)) },
    { name: 'hit: IPv6 client in a banned /64 → 403', run: through(incoming('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 'GET', '/products/12?ref=home&page=2', browser)) },
    { name: 'miss: GET, rules on path, query, cookies, UA', run: through(get) },
    { name: 'miss: POST, JSON body of 3 fields too', run: through(post) },
    { name: 'miss: IPv6 client outside the /64', run: through(incoming('2001:db8:9::1', 'GET', '/products/12?ref=home&page=2', browser)) },
  ];
}

/** CPU nanoseconds per request of one pass. */
function pass(run: () => void, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const riposte = await standInRiposte();
  const agent = createAgent({ url: `http://127.0.0.1:${(riposte.address() as AddressInfo).port}`, token: 'rpt_bench', logger: false });
  if (!(await agent.ready({ timeoutMs: 10_000 }))) throw new Error('the agent did not load the stand-in Riposte');
  const all = cases(agent.middleware());
  for (const c of all) pass(c.run, Math.min(REQUESTS, 20_000)); // warm-up: every path compiled before measuring
  const ns = new Map<string, number[]>(all.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // The order rotates, so that whatever else the machine does weighs on every case alike.
    for (let k = 0; k < all.length; k++) {
      const c = all[(k + r) % all.length] as Case;
      ns.get(c.name)?.push(pass(c.run, REQUESTS));
    }
  }
  const stats = agent.stats();
  await agent.close();
  riposte.closeAllConnections();
  riposte.close();

  const base = median(ns.get(all.find((c) => c.baseline)?.name ?? '') ?? []);
  console.log(`${REQUESTS} requests per round, ${ROUNDS} rounds, ${BANS + 1} active bans, node ${process.version}; CPU ns per request (median of rounds)`);
  console.log(`${'case'.padEnd(46)} ${'ns/req'.padStart(8)} ${'added ns'.padStart(9)}  ${'× baseline'.padStart(10)}  range of added ns`);
  for (const c of all) {
    const xs = ns.get(c.name) ?? [];
    const added = xs.map((x) => x - base);
    console.log(
      `${c.name.padEnd(46)} ${median(xs).toFixed(0).padStart(8)} ${median(added).toFixed(0).padStart(9)}  ${(median(xs) / base).toFixed(2).padStart(10)}  ` +
        `${Math.min(...added).toFixed(0)} … ${Math.max(...added).toFixed(0)}`,
    );
  }
  const hit = median((ns.get('hit: banned IPv4 address → 403') ?? []).map((x) => x - base));
  console.log(`\nhit path: ${hit.toFixed(0)} ns added per request (target < ${TARGET_HIT_NS} ns): ${hit < TARGET_HIT_NS}`);
  console.log(`agent: ${stats.requests.banned} requests banned, ${stats.events.queued + stats.events.sent} events (none expected), ${stats.requests.errors} errors`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
