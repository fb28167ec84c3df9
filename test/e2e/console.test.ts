/**
 * The console in a real browser (Debian's Chromium through playwright-core) against `riposte start`
 * as a user runs it, found the way a person finds things: by role and label. The cases run in order
 * on one server and one browser profile, as one person's visit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, type TestBrowser } from '../helpers/browser';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../helpers/riposte-process';
import { waitForValue } from '../helpers/wait';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-console-e2e-'));
let riposte: RiposteProcess;
let browser: TestBrowser;
let page: Page;
let agentToken: string;
let adminToken: string;
const pageErrors: string[] = [];
const nav = () => page.getByRole('navigation', { name: 'Console' });

const BRUTE_FORCE_IP = '203.0.113.77';
const STUFFING_IP = '198.51.100.23';
/** Logins an attacker chose: markup, a right-to-left override, a line separator. */
const HOSTILE_LOGINS = ['<img src=x onerror="window.__pwned=1">', '<b>bold</b>@example.com', 'invoice\u202Etxt.exe', 'line\u2028break', '<script>window.__pwned=2</script>'];

beforeAll(async () => {
  riposte = await startRiposteProcess(dataDir);
  agentToken = await demoToken(riposte);
  adminToken = await waitForValue(() => /rpa_[A-Za-z0-9_-]{43}/.exec(riposte.stdout())?.[0], 10_000, { what: 'the admin token on standard output' });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await riposte?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(events: object[]): Promise<void> {
  const response = await fetch(`${riposte.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(202);
}

const loginFailure = (ip: string, login: string, i: number) => ({ v: 1, ts: new Date(Date.now() - 1000 + i).toISOString(), type: 'login_failure', actor: { ip }, user: { login } });

async function agentsActive(): Promise<{ target: { value: string } }[]> {
  const response = await fetch(`${riposte.url}/v1/agent/responses`, { headers: { authorization: `Bearer ${agentToken}` } });
  return ((await response.json()) as { responses: { target: { value: string } }[] }).responses;
}

describe('the console', () => {
  test('the first start prints the admin token once, with the console address', () => {
    expect(riposte.stdout()).toContain(`The console: ${riposte.url}/console/`);
    expect(riposte.stdout().match(/rpa_/g)).toHaveLength(1);
  });

  test('a wrong token is refused', async () => {
    await page.goto(`${riposte.url}/console/`);
    await page.getByLabel('Admin token').fill('rpa_not-the-admin-token-not-the-admin-token-x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That admin token is not valid.' }).waitFor();
    expect(await page.getByLabel('Admin token').inputValue()).toBe('');
    expect(await browser.context.cookies()).toEqual([]);
  });

  test('signing in opens the overview; the token is in no URL and no browser storage', async () => {
    // By keyboard: type the token, Enter submits.
    await page.getByLabel('Admin token').focus();
    await page.keyboard.type(adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Overview — the last hour' }).waitFor();
    await page.getByRole('heading', { name: 'demo' }).waitFor();
    expect(page.url()).toBe(`${riposte.url}/console/`);
    // Page-side expressions as text: this project's TypeScript has no DOM types.
    const stored = String(await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie'));
    expect(stored).not.toContain(adminToken);
    const cookies = await browser.context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'riposte_console', httpOnly: true, sameSite: 'Strict', path: '/v1/admin', expires: -1 })]);
  });

  let detailLink: string;
  test('an attack posted to the ingest API appears in the live feed within 2 s, without a reload', async () => {
    await nav().getByRole('link', { name: 'Live feed' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: BRUTE_FORCE_IP });
    await post(Array.from({ length: 10 }, (_, i) => loginFailure(BRUTE_FORCE_IP, 'alice@example.com', i)));
    // From the ingest API's 202 to the row on screen.
    const accepted = Date.now();
    await row.waitFor({ timeout: 10_000 });
    const elapsed = Date.now() - accepted;
    expect(elapsed).toBeLessThan(2000);
    for (const text of ['demo', 'login-brute-force', 'ban', '10 login failures in 60 s', 'active']) await row.getByText(text, { exact: true }).waitFor();
    detailLink = (await row.getByRole('link').getAttribute('href')) as string;
    expect(detailLink).toMatch(/^\/console\/apps\/demo\/responses\//);
  });

  test('its detail shows the evidence', async () => {
    await page.getByRole('row').filter({ hasText: BRUTE_FORCE_IP }).getByRole('link').click();
    await page.getByRole('heading', { name: `Ban of ip ${BRUTE_FORCE_IP}` }).waitFor();
    const evidence = page.getByRole('region', { name: 'Evidence' });
    await evidence.getByText('Count', { exact: true }).waitFor();
    expect(await evidence.locator('dd').first().textContent()).toBe('10');
    await evidence.getByText('60 s', { exact: true }).waitFor();
    await evidence.getByText('First seen').waitFor();
  });

  test('Revoke removes it from what agents read', async () => {
    expect((await agentsActive()).map((r) => r.target.value)).toContain(BRUTE_FORCE_IP);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'Revoked.' }).waitFor();
    await page.getByText('revoked', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Revoke' }).isDisabled()).toBe(true);
    expect((await agentsActive()).map((r) => r.target.value)).not.toContain(BRUTE_FORCE_IP);
  });

  test('markup and steering characters in event fields are shown as text, never run or obeyed', async () => {
    const logins = [...HOSTILE_LOGINS, ...Array.from({ length: 15 }, (_, i) => `user${i}@example.com`)];
    await post(logins.map((login, i) => loginFailure(STUFFING_IP, login, i)));
    await nav().getByRole('link', { name: 'Live feed' }).click();
    const row = page.getByRole('row').filter({ hasText: STUFFING_IP }).filter({ hasText: 'credential-stuffing' });
    await row.waitFor({ timeout: 10_000 });
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: `Ban of ip ${STUFFING_IP}` }).waitFor();
    const samples = page.getByRole('list', { name: 'Sample values from the events' });
    await samples.getByText('<img src=x onerror="window.__pwned=1">', { exact: true }).waitFor();
    await samples.getByText('<b>bold</b>@example.com', { exact: true }).waitFor();
    await samples.getByText('<script>window.__pwned=2</script>', { exact: true }).waitFor();
    expect(await samples.locator('li').filter({ hasText: 'invoice' }).textContent()).toBe('invoice\\u202Etxt.exe');
    expect(await samples.locator('li').filter({ hasText: 'line' }).textContent()).toBe('line\\u2028break');
    expect(await page.locator('main img, main b, main script').count()).toBe(0);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
  });

  test('the filters narrow the feed by detector and by status', async () => {
    await nav().getByRole('link', { name: 'Live feed' }).click();
    const rows = page.getByRole('table', { name: 'Responses' }).locator('tbody').getByRole('row');
    await rows.filter({ hasText: 'credential-stuffing' }).first().waitFor();
    await page.getByLabel('Detector').selectOption('credential-stuffing');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain('credential-stuffing');
    await page.getByLabel('Detector').selectOption('');
    await page.getByLabel('Status').selectOption('revoked');
    expect(await rows.allTextContents()).toEqual([expect.stringContaining(BRUTE_FORCE_IP)]);
    await page.getByLabel('Status').selectOption('');
  });

  test('an invalid threshold shows the error beside the field and changes nothing', async () => {
    const revision = async () => {
      const response = await fetch(`${riposte.url}/v1/admin/apps`, { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await response.json()) as { apps: { appId: string; revision: number }[] }).apps.find((a) => a.appId === 'demo')?.revision;
    };
    const before = await revision();
    await nav().getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('link', { name: 'Settings of demo' }).click();
    const detector = page.getByRole('group', { name: 'login-brute-force' });
    const threshold = detector.getByLabel('threshold');
    await threshold.fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'Nothing was saved' }).waitFor();
    const describedBy = (await threshold.getAttribute('aria-describedby')) as string;
    expect(await threshold.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/>=2/);
    expect(await revision()).toBe(before);

    await threshold.fill('12');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect(await revision()).toBe((before as number) + 1);
  });

  test('rotating the agent token shows the new one once; the old one is refused', async () => {
    await page.getByRole('button', { name: 'Rotate token' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    const fresh = await page.getByLabel('New agent token (shown once: copy it now)').inputValue();
    expect(fresh).toMatch(/^rpt_/);
    const rules = async (token: string) => (await fetch(`${riposte.url}/v1/agent/rules`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await rules(fresh)).toBe(200);
    expect(await rules(agentToken)).toBe(401);
    agentToken = fresh;
  });

  test('signing out ends the session, also after a reload', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    await page.reload();
    await page.getByLabel('Admin token').waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/admin/apps')).status);
    expect(status).toBe(401);
    expect(pageErrors).toEqual([]);
  });

  // Last: it locks this address (the browser's and the test's, both 127.0.0.1) out of signing in.
  test('after too many wrong tokens from this address the right one is refused, and the page says when to try again', async () => {
    let refused = 0;
    for (let i = 0; i < 20 && refused === 0; i++) {
      const response = await fetch(`${riposte.url}/v1/admin/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: `rpa_wrong-${i}-0000000000000000` }) });
      if (response.status === 429) refused = Number(response.headers.get('retry-after'));
    }
    expect(refused).toBeGreaterThan(0);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /^Too many failed sign-ins from this address; try again in \d+ s\./ }).waitFor({ timeout: 5000 });
    expect(await browser.context.cookies()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
