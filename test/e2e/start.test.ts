/**
 * `riposte start` as a user runs it: a child process on a free port with a fresh data directory.
 * A brute force posted through the ingest API becomes a ban visible through the agent API; after a
 * graceful stop and a restart on the same data, the ban is still served and the shards resume from
 * their checkpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../helpers/riposte-process';
import { waitForValue as waitFor } from '../helpers/wait';

// Debug logs: the test waits for the driver's "checkpointed" line.
const start = (dataDir: string): Promise<RiposteProcess> => startRiposteProcess(dataDir, { LOG_LEVEL: 'debug' });

const attacker = '203.0.113.66';

/** Fifteen minutes of ordinary requests, ending now, and a brute force in the last minute. */
function traffic(now: number): object[] {
  const events: { ts: string }[] = [];
  for (let t = now - 15 * 60_000; t < now - 60_000; t += 5000) {
    events.push({ v: 1, ts: new Date(t).toISOString(), type: 'request', actor: { ip: `10.1.${(t / 5000) % 250 | 0}.9` }, request: { path: '/', status: 200 } } as never);
  }
  for (let i = 0; i < 12; i++) {
    events.push({ v: 1, id: `agent-1:${i}`, ts: new Date(now - 50_000 + i * 2000).toISOString(), type: 'login_failure', actor: { ip: attacker }, user: { login: 'alice@example.com' } } as never);
  }
  return events;
}

async function activeBans(url: string, token: string): Promise<{ id: string; target: { value: string } }[]> {
  const response = await fetch(`${url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { responses: { id: string; target: { value: string } }[] }).responses;
}

describe('riposte start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('detects a brute force posted to the ingest API, serves the ban, and keeps both across a restart', async () => {
    const first = await start(dataDir);
    let token: string;
    let banId: string;
    try {
      token = await demoToken(first);
      expect(first.stdout()).toContain(`curl -s -X POST ${first.url}/v1/events`);

      const events = traffic(Date.now());
      for (let i = 0; i < events.length; i += 100) {
        const posted = await fetch(`${first.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: events.slice(i, i + 100) }),
        });
        expect(posted.status).toBe(202);
      }

      const bans = await waitFor(async () => {
        const active = await activeBans(first.url, token);
        return active.length > 0 ? active : undefined;
      }, 20_000);
      expect(bans.map((b) => b.target.value)).toEqual([attacker]);
      banId = (bans[0] as { id: string }).id;

      // The checkpoint trails the windows (lateness + 10 min): fifteen minutes of events move it.
      await waitFor(() => first.logs().find((l) => l.msg === 'checkpointed'), 20_000);
      expect(await first.stop()).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }

    const second = await start(dataDir);
    try {
      expect(second.stdout()).not.toContain('rpt_'); // not a first start: no new demo application
      const resumed = second.logs().filter((l) => l.msg === 'reading shard').map((l) => String(l.from));
      expect(resumed.some((from) => from.startsWith('AFTER_SEQUENCE_NUMBER') || from.startsWith('AT_SEQUENCE_NUMBER'))).toBe(true);
      // Replayed records rewrite the same response id: still exactly one ban.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const bans = await activeBans(second.url, token);
      expect(bans.map((b) => b.id)).toEqual([banId]);
      expect(await second.stop()).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 120_000);
});
