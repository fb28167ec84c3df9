/**
 * `riposte start` whose local driver dies (a bug in the engine, preloaded by test/fixtures/engine-bug.ts):
 * it used to log, keep answering 202 to events nothing read any more, and /healthz said ok. Now it
 * stops and exits 1 with a message naming the part (and /healthz fails meanwhile: src/api/observability.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
import { ENGINE_BUG_MARKER } from '../fixtures/engine-bug';
import { demoToken, startRiposteProcess } from '../helpers/riposte-process';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-failures-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a dead local driver stops the process: exit 1, saying which part failed and why', async () => {
  const riposte = await startRiposteProcess(dataDir, { NODE_OPTIONS: `--require tsx/cjs --require ${join(REPO_ROOT, 'test', 'fixtures', 'engine-bug.ts')}` });
  try {
    const exited = new Promise<number | null>((resolve) => riposte.child.once('exit', (code) => resolve(code)));
    let stderr = '';
    riposte.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const token = await demoToken(riposte);
    const posted = await fetch(`${riposte.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ v: 1, ts: new Date().toISOString(), type: 'login_failure', actor: { ip: '192.0.2.1' }, user: { login: ENGINE_BUG_MARKER } }] }),
    });
    expect(posted.status).toBe(202);
    let timer: NodeJS.Timeout | undefined;
    const stillRunning = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), 30_000)));
    expect(await Promise.race([exited, stillRunning])).toBe(1);
    clearTimeout(timer);
    expect(stderr).toMatch(/riposte: the local driver failed: shard shardId-\d+: a bug in the engine \(test\/fixtures\/engine-bug\.ts\); stopping/);
  } finally {
    riposte.child.kill('SIGKILL');
  }
}, 90_000);
