/**
 * `npm run screenshots`: the console's pictures in docs/, taken from a real run. Starts `riposte start`
 * on a fresh data directory, plays the attack simulator against it for a few rounds (the
 * demo application: benign traffic and every attack), adds a credential-stuffing attack whose logins
 * carry markup and a right-to-left override, and photographs the overview, the live feed and that
 * response's detail in Chromium at 1280×800, and the feed at phone width.
 *
 *   npm run screenshots [-- rounds=4]     (each round is 30 s of traffic)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../test/helpers/browser';
import { demoToken, startRiposteProcess } from '../test/helpers/riposte-process';
import { waitForValue } from '../test/helpers/wait';
import { REPO_ROOT } from './lib/repo-root';
import { runNode } from './lib/run-node';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const ROUNDS = Number(args.rounds ?? 4);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-screenshots-'));
  const riposte = await startRiposteProcess(dataDir);
  const browser = await launchChromium();
  try {
    const agentToken = await demoToken(riposte);
    const adminToken = await waitForValue(() => /rpa_[A-Za-z0-9_-]{43}/.exec(riposte.stdout())?.[0], 10_000, { what: 'the admin token' });
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}: 30 s of simulated traffic`);
      const run = await runNode(['-r', 'tsx/cjs', join(REPO_ROOT, 'scripts', 'attack-simulator.ts'), '--url', riposte.url, '--token', agentToken, '--duration', '30', '--rate', String(10 + round * 8), '--seed', String(round), '--json']);
      if (run.code === 2) throw new Error(`the simulator failed:\n${run.stderr.slice(-2000)}`);
    }
    const hostile = ['<img src=x onerror=alert(1)>', 'invoice\u202Etxt.exe@example.com', '<b>admin</b>@example.com', 'line\u2028break@example.com', ...Array.from({ length: 20 }, (_, i) => `shopper${i}@example.com`)];
    const events = hostile.map((login, i) => ({ v: 1, ts: new Date(Date.now() - 5000 + i).toISOString(), type: 'login_failure', actor: { ip: '198.51.100.23' }, user: { login } }));
    await fetch(`${riposte.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });

    const page = await browser.context.newPage();
    await page.goto(`${riposte.url}/console/`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'demo' }).waitFor();
    await page.screenshot({ path: join(REPO_ROOT, 'docs', 'console-overview.png') });
    const nav = page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Live feed' }).click();
    const stuffing = page.getByRole('row').filter({ hasText: '198.51.100.23' }).filter({ hasText: 'credential-stuffing' });
    await stuffing.waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(REPO_ROOT, 'docs', 'console-feed.png') });
    await stuffing.getByRole('link').click();
    await page.getByRole('heading', { name: /Ban of ip 198.51.100.23/ }).waitFor();
    await page.screenshot({ path: join(REPO_ROOT, 'docs', 'console-detail.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await nav.getByRole('link', { name: 'Live feed' }).click();
    await page.getByRole('table', { name: 'Responses' }).waitFor();
    await page.screenshot({ path: join(REPO_ROOT, 'docs', 'console-feed-phone.png') });
    log('saved docs/console-overview.png, docs/console-feed.png, docs/console-detail.png, docs/console-feed-phone.png');
  } finally {
    await browser.close();
    await riposte.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
