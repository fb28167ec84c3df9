/**
 * A 202 from the ingest API means the events are on the stream: `riposte start` killed (SIGKILL) the
 * moment the last 202 arrives loses none of them. Thirty attackers each send exactly the brute-force
 * threshold (ten failed logins), their events shuffled across concurrent requests that share writes
 * (a long linger, so an answer given before the write would lose events for sure); after the kill
 * and a restart on the same data, every attacker is banned, once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../helpers/riposte-process';
import { waitForValue } from '../helpers/wait';

const ATTACKERS = 30;
const THRESHOLD = 10; // login-brute-force: 10 failed logins within 60 s
const start = (dataDir: string): Promise<RiposteProcess> => startRiposteProcess(dataDir, { RIPOSTE_INGEST_LINGER_MS: '100' });

function attackEvents(now: number): object[] {
  const events: object[] = [];
  for (let a = 0; a < ATTACKERS; a++) {
    for (let i = 0; i < THRESHOLD; i++) {
      events.push({ v: 1, id: `kill-${a}-${i}`, ts: new Date(now - 30_000 + i * 1000).toISOString(), type: 'login_failure', actor: { ip: `198.51.100.${a + 1}` }, user: { login: `victim${a}@example.com` } });
    }
  }
  // Deterministic shuffle: each request carries events of several attackers, each attacker's events go in several requests.
  return events.map((e, i) => ({ e, key: (i * 7919) % events.length })).sort((x, y) => x.key - y.key).map((x) => x.e);
}

async function bannedIps(url: string, token: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { responses: { target: { value: string } }[] }).responses.map((r) => r.target.value);
}

describe('riposte start killed right after answering 202', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-kill-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loses no event it accepted: every attacker at exactly the threshold is banned once after a restart', async () => {
    const first = await start(dataDir);
    let token: string;
    try {
      token = await demoToken(first);
      const events = attackEvents(Date.now());
      const requests = [];
      for (let i = 0; i < events.length; i += 10) {
        requests.push(
          fetch(`${first.url}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ events: events.slice(i, i + 10) }),
          }),
        );
      }
      const statuses = (await Promise.all(requests)).map((r) => r.status);
      first.child.kill('SIGKILL');
      expect(statuses).toEqual(requests.map(() => 202));
    } finally {
      first.child.kill('SIGKILL');
    }
    await new Promise((resolve) => first.child.once('exit', resolve).exitCode !== null && resolve(undefined));

    const second = await start(dataDir);
    try {
      const expected = Array.from({ length: ATTACKERS }, (_, a) => `198.51.100.${a + 1}`).sort();
      const banned = await waitForValue(async () => {
        const ips = await bannedIps(second.url, token);
        return ips.length >= ATTACKERS ? ips : undefined;
      }, 60_000, { what: `${ATTACKERS} bans`, context: () => JSON.stringify(second.logs().slice(-20)) });
      expect(banned.sort()).toEqual(expected);
      expect(await second.stop()).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 180_000);
});
