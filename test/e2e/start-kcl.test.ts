/**
 * `riposte start --driver kcl` as a user runs it: the whole system on one machine with the real KCL
 * MultilangDaemon reading the stream (embedded kinesis-local and dynalite). A brute force posted to
 * the ingest API becomes a ban served by the agent API; SIGTERM stops the daemon gracefully, then
 * everything else, and the command exits 0 leaving no process behind. A daemon that dies on its own
 * is a part that failed: the command stops and exits 1, naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithJava } from '../helpers/real-daemon';
import { demoToken, startRiposteProcess } from '../helpers/riposte-process';
import { waitFor, waitForValue } from '../helpers/wait';

const attacker = '203.0.113.77';

describeWithJava('riposte start --driver kcl', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-kcl-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers a brute force through the real daemon, and stops gracefully on SIGTERM', async () => {
    const started = await startRiposteProcess(dataDir, { LOG_LEVEL: 'info' }, undefined, { args: ['--driver', 'kcl'], detached: true });
    const pid = started.child.pid as number;
    try {
      expect(started.logs().find((l) => l.msg === 'Riposte is running on its embedded Kinesis and DynamoDB')?.detection).toBe('KCL MultilangDaemon (one riposte kcl per shard lease)');
      const token = await demoToken(started);
      const now = Date.now();
      const events = Array.from({ length: 12 }, (_, i) => ({ v: 1, id: `agent-1:${i}`, ts: new Date(now - 30_000 + i * 2000).toISOString(), type: 'login_failure', actor: { ip: attacker }, user: { login: 'alice@example.com' } }));
      const posted = await fetch(`${started.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      expect(posted.status).toBe(202);
      // The first start of a KCL application waits 1–30 s on its empty lease table, then starts the children.
      const bans = await waitForValue(
        async () => {
          const response = await fetch(`${started.url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } });
          const body = (await response.json()) as { responses: { target: { value: string }; detector: string }[] };
          return body.responses.length > 0 ? body.responses : undefined;
        },
        180_000,
        { what: 'the ban', everyMs: 500 },
      );
      expect(bans.map((b) => [b.detector, b.target.value])).toEqual([['login-brute-force', attacker]]);

      expect(await started.stop()).toBe(0);
      expect(started.logs().find((l) => l.msg === 'the KCL MultilangDaemon stopped')?.outcome).toBe(143); // its SIGTERM, handled
    } finally {
      try {
        process.kill(-pid, 'SIGKILL'); // whatever is left of the group: the daemon, its children, kinesis-local
      } catch {
        // nothing left: the graceful stop ended them all
      }
    }
  }, 300_000);

  it('stops and exits 1, naming the daemon, when the daemon dies on its own', async () => {
    const started = await startRiposteProcess(dataDir, { LOG_LEVEL: 'info' }, undefined, { args: ['--driver', 'kcl'], detached: true });
    const pid = started.child.pid as number;
    try {
      const daemonPid = started.logs().find((l) => l.msg === 'started the KCL MultilangDaemon')?.pid;
      expect(typeof daemonPid).toBe('number');
      process.kill(daemonPid as number, 'SIGKILL'); // as the OOM killer, or a crash of the JVM, would end it
      await waitFor('riposte start to exit', () => started.exit() !== undefined, 60_000);
      expect(started.exit()).toEqual({ code: 1, signal: null });
      expect(started.stderrTail()).toMatch(/riposte: the KCL MultilangDaemon failed: the daemon \(pid \d+\) exited on its own \(SIGKILL\).*; stopping\. Its log lines above say why/);
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // nothing left
      }
    }
  }, 180_000);
});
