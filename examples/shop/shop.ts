/**
 * A small Express shop: a catalogue, a search, a login, an account page. What makes it an example
 * is the three lines of @riposte/agent in it (marked "Riposte"): the agent's middleware in front of
 * the routes, and `track()` where a login fails or succeeds. Everything else is an ordinary shop.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Express } from 'express';
import type { RiposteAgent } from '@riposte/agent';

const PRODUCTS = new Map([
  ['1', { name: 'Teapot', price: 24 }],
  ['2', { name: 'Tea cosy', price: 12 }],
  ['3', { name: 'Oolong, 100 g', price: 9 }],
]);

/** Demo accounts: login → password. */
const ACCOUNTS = new Map([
  ['alice@example.com', 'wonderland'],
  ['bob@example.com', 'builder'],
]);

/** Sessions of this process: session id (the `sid` cookie) → login. */
export class Sessions {
  readonly #byId = new Map<string, string>();

  open(login: string): string {
    const id = randomBytes(16).toString('base64url');
    this.#byId.set(id, login);
    return id;
  }

  /** The login of the request's session, if it has one: what Riposte's redirects are enforced on. */
  user(req: IncomingMessage): string | undefined {
    const sid = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
    return sid === undefined ? undefined : this.#byId.get(sid);
  }
}

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`;

const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function buildShop(name: string, agent: RiposteAgent, sessions: Sessions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(express.json({ limit: '64kb' }));
  app.use(agent.middleware()); // Riposte: after the body parsers, so that bodies are inspected too

  app.get('/', (_req, res) => {
    const items = [...PRODUCTS].map(([id, p]) => `<li><a href="/products/${id}">${p.name}</a> — ${p.price} €</li>`).join('');
    res.type('html').send(page(`${name}: the tea shop`, `<ul>${items}</ul><form action="/search"><input name="q"><button>Search</button></form>`));
  });

  app.get('/products/:id', (req, res) => {
    const product = PRODUCTS.get(req.params.id);
    if (product === undefined) return void res.status(404).type('html').send(page('Not found', '<p>No such product.</p>'));
    res.type('html').send(page(product.name, `<p>${product.price} €</p>`));
  });

  app.get('/search', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const found = [...PRODUCTS.values()].filter((p) => p.name.toLowerCase().includes(q.toLowerCase()));
    res.type('html').send(page(`Search: ${escape(q)}`, `<p>${found.length} found</p>`));
  });

  app.post('/login', (req, res) => {
    const body = (req.body ?? {}) as { login?: unknown; password?: unknown };
    const login = typeof body.login === 'string' ? body.login : '';
    if (login === '' || ACCOUNTS.get(login) !== body.password) {
      agent.track({ type: 'login_failure', user: { login } }, req); // Riposte
      return void res.status(401).json({ error: 'wrong login or password' });
    }
    agent.track({ type: 'login_success', user: { login } }, req);
    res.cookie('sid', sessions.open(login), { httpOnly: true, sameSite: 'lax' }).json({ welcome: login });
  });

  app.get('/account', (req, res) => {
    const user = sessions.user(req);
    if (user === undefined) return void res.status(401).type('html').send(page('Account', '<p>Please log in.</p>'));
    res.type('html').send(page('Account', `<p>Hello ${escape(user)}.</p>`));
  });

  // Where Riposte's account-takeover redirect sends a user: the agent never redirects this page itself.
  app.get('/security-check', (_req, res) => {
    res.type('html').send(page('Security check', '<p>We noticed unusual sign-in attempts. Please confirm it is you.</p>'));
  });

  // For the operator (and the tests): what this process's agent knows and did.
  app.get('/healthz', (_req, res) => void res.json({ shop: name, pid: process.pid, agent: agent.stats() }));

  app.use((_req, res) => void res.status(404).type('html').send(page('Not found', '<p>Nothing here.</p>')));
  return app;
}
