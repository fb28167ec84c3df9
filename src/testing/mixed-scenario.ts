/**
 * A realistic mixed scenario, deterministic from a seed: half an hour of benign traffic on two
 * applications with every kind of attack woven in, reported by many agents slightly out of order,
 * with duplicates and invalid lines. It knows who the attackers are, so it states the responses the
 * detector table implies — each attacker answered once, nobody else — without running the engine.
 * Its times are fixed (BASE_TIME), for replays; traffic for a real stream, timed just before now, is
 * test/helpers/stream-traffic.ts.
 */
import { BASE_TIME } from './factories';
import { seededRandom } from './random';

export interface ExpectedDecision {
  app: string;
  detector: string;
  target: string;
  why: string;
}

export interface Scenario {
  /** JSON lines, in the order the stream would carry them. */
  lines: string[];
  expected: ExpectedDecision[];
}

interface Pending {
  sentAt: number;
  line: string;
}

export function mixedScenario(seed = 7): Scenario {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const pending: Pending[] = [];
  const expected: ExpectedDecision[] = [];
  let counter = 0;

  const emit = (app: string, at: number, type: string, fields: Record<string, unknown>, delayMs = rand() * 3000, duplicate = false): void => {
    const agent = `agent-${1 + Math.floor(rand() * 8)}`;
    const event = { v: 1, id: `${agent}:${++counter}`, ts: new Date(BASE_TIME + Math.round(at)).toISOString(), appId: app, type, ...fields, agent: { id: agent, host: `web-${agent.slice(6)}` } };
    const line = JSON.stringify(event);
    pending.push({ sentAt: at + delayMs, line });
    if (duplicate) pending.push({ sentAt: at + delayMs + 500 + rand() * 4000, line });
  };
  const failure = (app: string, at: number, ip: string, login: string, delayMs?: number, duplicate = false) =>
    emit(app, at, 'login_failure', { actor: { ip, userAgent: 'Mozilla/5.0' }, user: { login }, request: { method: 'POST', path: '/login', status: 401 } }, delayMs, duplicate);
  const attack = (app: string, at: number, ip: string, category: string) =>
    emit(app, at, 'attack', { actor: { ip }, attack: { category, rule: `${category}-001`, blocked: true }, request: { method: 'GET', path: '/search', status: 403 } });
  const request = (app: string, at: number, ip: string, path: string, status: number) =>
    emit(app, at, 'request', { actor: { ip }, request: { method: 'GET', path, status } });
  const s = 1000;
  const min = 60 * s;

  // Benign users: successes, the odd typo, pages that exist, a few stale links.
  for (let u = 0; u < 300; u++) {
    const app = u % 3 === 0 ? 'blog' : 'shop';
    const ip = `10.${Math.floor(u / 250)}.${u % 250}.${1 + (u % 7)}`;
    const login = `user${u}@example.com`;
    let at = rand() * 28 * min;
    if (rand() < 0.3) failure(app, at, ip, login);
    if (rand() < 0.1) failure(app, (at += 4 * s), ip, login);
    emit(app, (at += 3 * s), 'login_success', { actor: { ip }, user: { login } });
    for (let p = 0; p < 6; p++) request(app, (at += rand() * 20 * s), ip, pick(['/', '/cart', '/products/1', '/products/2', '/checkout']), 200);
    if (rand() < 0.2) request(app, (at += 2 * s), ip, pick(['/old-page', '/favicon.ico']), 404);
  }

  // Fast brute force: 15 failures in 30 s.
  for (let i = 0; i < 15; i++) failure('shop', 2 * min + i * 2 * s, '203.0.113.10', 'alice@example.com');
  expected.push({ app: 'shop', detector: 'login-brute-force', target: 'ip:203.0.113.10', why: 'fast brute force' });

  // Slow brute force that still fits: 10 failures in 54 s.
  for (let i = 0; i < 10; i++) failure('shop', 5 * min + i * 6 * s, '203.0.113.11', 'bob@example.com');
  expected.push({ app: 'shop', detector: 'login-brute-force', target: 'ip:203.0.113.11', why: 'slow brute force within the window' });

  // Too slow to be anything: 12 failures, one every 70 s.
  for (let i = 0; i < 12; i++) failure('shop', 6 * min + i * 70 * s, '203.0.113.12', 'carol@example.com');

  // Split across two applications, under the threshold in each: nothing.
  for (let i = 0; i < 12; i++) failure(i % 2 === 0 ? 'shop' : 'blog', 8 * min + i * 3 * s, '203.0.113.13', 'dave@example.com');

  // The same attacker on both applications, over the threshold in each: answered in each.
  for (let i = 0; i < 12; i++) {
    failure('shop', 9 * min + i * 3 * s, '203.0.113.14', 'erin@example.com');
    failure('blog', 9 * min + i * 3 * s + 1000, '203.0.113.14', 'erin@example.com');
  }
  expected.push({ app: 'shop', detector: 'login-brute-force', target: 'ip:203.0.113.14', why: 'attack on two applications (shop)' });
  expected.push({ app: 'blog', detector: 'login-brute-force', target: 'ip:203.0.113.14', why: 'attack on two applications (blog)' });

  // Reported by many agents, each batching: up to 45 s late and out of order.
  for (let i = 0; i < 12; i++) failure('shop', 11 * min + i * 4 * s, '2001:db8::15', 'frank@example.com', rand() * 45 * s);
  expected.push({ app: 'shop', detector: 'login-brute-force', target: 'ip:2001:db8::/64', why: 'out-of-order reports from many agents (IPv6: banned by its /64)' });

  // Nine failures, each report delivered twice: still nine.
  for (let i = 0; i < 9; i++) failure('shop', 12 * min + i * 3 * s, '203.0.113.16', 'grace@example.com', undefined, true);

  // Credential stuffing: 25 different users, one attempt each, one every 12 s.
  for (let i = 0; i < 25; i++) failure('shop', 13 * min + i * 12 * s, '198.51.100.20', `leaked${i}@example.com`);
  expected.push({ app: 'shop', detector: 'credential-stuffing', target: 'ip:198.51.100.20', why: 'credential stuffing' });

  // Account takeover: one account, 12 addresses, one attempt each.
  for (let i = 0; i < 12; i++) failure('shop', 15 * min + i * 35 * s, `192.0.2.${100 + i}`, 'victim@example.com');
  expected.push({ app: 'shop', detector: 'account-takeover', target: 'user:victim@example.com', why: 'account takeover' });

  // Attack flood: 25 blocked SQL injections in 40 s.
  for (let i = 0; i < 25; i++) attack('blog', 17 * min + i * 1.6 * s, '198.51.100.30', 'sqli');
  expected.push({ app: 'blog', detector: 'attack-flood', target: 'ip:198.51.100.30', why: 'attack flood' });

  // Scanner by attack categories: 6 categories over 3 minutes, 8 attacks.
  ['sqli', 'xss', 'lfi', 'xss', 'rce', 'ssrf', 'sqli', 'xxe'].forEach((category, i) => attack('shop', 19 * min + i * 22 * s, '198.51.100.40', category));
  expected.push({ app: 'shop', detector: 'scanner', target: 'ip:198.51.100.40', why: 'scanner (attack categories)' });

  // Scanner by missing paths: 35 distinct 404s in 4 minutes.
  for (let i = 0; i < 35; i++) request('blog', 22 * min + i * 6.5 * s, '198.51.100.50', `/wp-admin/${i}.php`, 404);
  expected.push({ app: 'blog', detector: 'scanner', target: 'ip:198.51.100.50', why: 'scanner (missing paths)' });

  // Invalid lines, scattered.
  const invalid = [
    'this is not json',
    '{"v":1,"ts":"2026-11-28T12:20:00Z","appId":"shop","type":"login_failure","actor":{"ip":"999.1.1.1"}}',
    '{"v":1,"ts":"2026-11-28T12:20:00Z","appId":"shop","type":"attack","actor":{"ip":"203.0.113.99"}}',
    '[1,2,3]',
    '{"v":1,"ts":"yesterday","appId":"shop","type":"request","actor":{"ip":"203.0.113.98"}}',
  ];
  invalid.forEach((line, i) => pending.push({ sentAt: (i + 1) * 5 * min, line }));

  pending.sort((a, b) => a.sentAt - b.sentAt);
  return { lines: pending.map((p) => p.line), expected };
}
