/**
 * What `npm start` exposes: the embedded default listens on this machine only (its /metrics carries
 * no authentication, and its demo token is printed), and opens to the network when asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRiposteProcess } from '../helpers/riposte-process';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-exposure-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * Whether the server answers on 127.0.0.2: an address of this machine other than the one a
 * 127.0.0.1-only socket takes (on Linux all of 127/8 is loopback, and 0.0.0.0 takes all of it).
 */
async function answersOnAnotherAddress(url: string): Promise<boolean> {
  return fetch(`${url.replace('127.0.0.1', '127.0.0.2')}/healthz`).then(
    (response) => response.status === 200,
    () => false,
  );
}

it.each([
  ['with no HOST: 127.0.0.1, this machine only', [], /^http:\/\/127\.0\.0\.1:\d+$/, false],
  ['with --host 0.0.0.0: every interface', ['--host', '0.0.0.0'], /^http:\/\/0\.0\.0\.0:\d+$/, true],
])('riposte start %s', async (_name, args, listening, open) => {
  const started = await startRiposteProcess(dataDir, { HOST: undefined }, undefined, { args });
  try {
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    expect(await answersOnAnotherAddress(started.url)).toBe(open);
    const running = started.logs().find((l) => l.url === started.url);
    expect(running?.listening).toMatch(listening);
    expect(await started.stop()).toBe(0);
  } finally {
    started.child.kill('SIGKILL');
  }
}, 90_000);
