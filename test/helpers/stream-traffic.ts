/**
 * Traffic to put on a real stream: a day in the life of several applications, compressed — background
 * traffic from many benign IPs, and attacks that each built-in detector answers — brute force (some
 * IPs twice, to be repeat offenders), credential stuffing, account takeover, attack floods, scanners —
 * plus reports sent twice (same event id) and reports a little out of order. Seeded, so it is the same every
 * time; its times are relative to `startMs`, so that it can sit just before "now" (Kinesis arrival
 * times are real, and the engine refuses events far in the future of their arrival). Its tests compare
 * what the stream produced with a replay of the same events (test/helpers/reference.ts); the mixed
 * scenario (src/testing/mixed-scenario.ts) is the other generator: fixed times, invalid lines, and the
 * responses it implies, stated without running the engine.
 */
import type { TestEvent } from '../../src/testing/factories';
import { seededRandom } from '../../src/testing/random';

export interface StreamTrafficOptions {
  apps: readonly string[];
  /** Event time of the first event, epoch ms. */
  startMs: number;
  spanSeconds: number;
  seed?: number;
  /** Background events per app per minute. */
  backgroundPerMinute?: number;
}

export function streamTraffic(o: StreamTrafficOptions): TestEvent[] {
  const random = seededRandom(o.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const events: TestEvent[] = [];
  const agents = ['agent-1', 'agent-2', 'agent-3'];
  const counters = new Map<string, number>();
  const add = (appId: string, atSeconds: number, body: Record<string, unknown>): void => {
    const agent = pick(agents);
    const n = (counters.get(`${appId}/${agent}`) ?? 0) + 1;
    counters.set(`${appId}/${agent}`, n);
    const event = { v: 1, id: `${agent}:${n}`, ts: new Date(o.startMs + Math.round(atSeconds * 1000)).toISOString(), appId, agent: { id: agent }, ...body } as unknown as TestEvent;
    events.push(event);
    if (random() < 0.01) events.push({ ...event }); // sent twice by the agent
  };
  const failure = (ip: string, login: string) => ({ type: 'login_failure', actor: { ip }, user: { login }, request: { method: 'POST', path: '/login', status: 401 } });

  o.apps.forEach((appId, a) => {
    const net = `10.${a}`;
    const perMinute = o.backgroundPerMinute ?? 6;
    for (let t = 0; t < o.spanSeconds; t += 60 / perMinute) {
      const ip = `${net}.${Math.floor(random() * 50)}.${1 + Math.floor(random() * 200)}`;
      if (random() < 0.5) add(appId, t + random() * 2, { type: 'login_success', actor: { ip }, user: { login: `user${Math.floor(random() * 500)}@${appId}` } });
      else add(appId, t + random() * 2, { type: 'request', actor: { ip }, request: { method: 'GET', path: `/p/${Math.floor(random() * 30)}`, status: 200 } });
    }
    for (let start = 120 + a * 37; start + 700 < o.spanSeconds; start += 900) {
      const kind = Math.floor((start / 900 + a) % 5);
      const attacker = `203.0.${a}.${1 + Math.floor(start / 900) % 3}`; // few attackers: some come back
      switch (kind) {
        case 0: // brute force: 12 failures in 30 s
          for (let i = 0; i < 12; i++) add(appId, start + i * 2.5, failure(attacker, `victim@${appId}`));
          break;
        case 1: // credential stuffing: 25 logins from one IP over 5 minutes
          for (let i = 0; i < 25; i++) add(appId, start + i * 12, failure(attacker, `user${i}@${appId}`));
          break;
        case 2: // account takeover: one user, 12 IPs within 8 minutes
          for (let i = 0; i < 12; i++) add(appId, start + i * 40, failure(`198.51.${a}.${10 + i}`, `ceo@${appId}`));
          break;
        case 3: // attack flood: 25 blocked attacks in 50 s
          for (let i = 0; i < 25; i++) add(appId, start + i * 2, { type: 'attack', actor: { ip: attacker }, attack: { category: 'sqli', rule: 'sqli-001', blocked: true } });
          break;
        case 4: // scanner: many missing paths
          for (let i = 0; i < 30; i++) add(appId, start + i * 3, { type: 'request', actor: { ip: attacker }, request: { method: 'GET', path: `/.scan/${i}`, status: 404 } });
          break;
      }
    }
  });
  events.sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : 0));
  // Reports from many agents arrive slightly out of order.
  for (let i = 1; i < events.length; i++) {
    if (random() < 0.05) [events[i - 1], events[i]] = [events[i] as TestEvent, events[i - 1] as TestEvent];
  }
  return events;
}

