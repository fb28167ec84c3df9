/**
 * `riposte replay` on the mixed scenario: every kind of attack, benign users, out-of-order reports,
 * duplicates and invalid lines. The responses must be exactly those the detector table implies.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main';
import { capturedStream } from '../testing/captured-stream';
import type { SecurityResponse } from '../core/response';
import { loginFailure, times } from '../testing/factories';
import { mixedScenario } from '../testing/mixed-scenario';

async function run(args: string[], stdinText = '') {
  const stdout = capturedStream();
  const stderr = capturedStream();
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const code = await main(args, { stdin, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const dir = mkdtempSync(join(tmpdir(), 'riposte-replay-'));
const scenario = mixedScenario();
const file = join(dir, 'mixed.jsonl');
writeFileSync(file, scenario.lines.join('\n') + '\n');

describe('riposte replay', () => {
  it('answers each attacker of the mixed scenario once, and nobody else', async () => {
    const { code, stdout } = await run(['replay', '--json', file]);
    expect(code).toBe(0);
    const responses = stdout.trim().split('\n').map((line) => JSON.parse(line) as SecurityResponse);
    const decided = responses.map((r) => `${r.appId} ${r.detector} ${r.target.type}:${r.target.value}`).sort();
    expect(decided).toEqual(scenario.expected.map((e) => `${e.app} ${e.detector} ${e.target}`).sort());
  });

  it('reports each invalid line with its number and reason, then a summary', async () => {
    const { stderr } = await run(['replay', '--json', file]);
    const rejected = stderr.split('\n').filter((line) => line.startsWith(`${file}:`));
    expect(rejected).toHaveLength(5);
    for (const line of rejected) {
      const [, number] = /:(\d+): /.exec(line) ?? [];
      expect(scenario.lines[Number(number) - 1]).toBeDefined();
    }
    expect(stderr).toContain('actor.ip: "999.1.1.1" is not an IPv4 or IPv6 address');
    expect(stderr).toMatch(new RegExp(`${scenario.lines.length} events read: \\d+ counted, 5 rejected, 0 late, 9 duplicates; ${scenario.expected.length} responses`));
  });

  it('prints a table for people by default', async () => {
    const { stdout } = await run(['replay', file]);
    expect(stdout.split('\n')[0]).toMatch(/^created\s+app\s+detector\s+action\s+target\s+for\s+reason$/);
    expect(stdout).toMatch(/redirect\s+user victim@example\.com\s+30 min/);
  });

  it('reads standard input given -', async () => {
    const { stdout } = await run(['replay', '--json', '-'], scenario.lines.join('\n'));
    expect(stdout.trim().split('\n')).toHaveLength(scenario.expected.length);
  });

  it.each([
    ['without --strict, rejected lines still exit 0', [], 0],
    ['with --strict, rejected lines exit 1', ['--strict'], 1],
  ])('%s', async (_name, flags, status) => {
    expect((await run(['replay', ...flags, file])).code).toBe(status);
  });

  it('applies per-application settings from --config', async () => {
    const config = join(dir, 'apps.yaml');
    writeFileSync(config, 'apps:\n  shop:\n    detectors:\n      login-brute-force: { enabled: false }\n    allowlist: { users: [victim@example.com] }\n');
    const { stdout } = await run(['replay', '--json', '--config', config, file]);
    const decided = stdout.trim().split('\n').map((line) => JSON.parse(line) as SecurityResponse);
    expect(decided.filter((r) => r.appId === 'shop' && r.detector === 'login-brute-force')).toEqual([]);
    expect(decided.filter((r) => r.target.value === 'victim@example.com')).toEqual([]);
    expect(decided.filter((r) => r.appId === 'blog' && r.detector === 'login-brute-force')).toHaveLength(1);
  });

  it.each([
    ['an unknown detector', 'apps:\n  shop:\n    detectors:\n      brute: { threshold: 3 }\n', /apps\.shop\.detectors: Unrecognized key: "brute" \(detectors are login-brute-force, /],
    ['a bad threshold', 'apps:\n  shop:\n    detectors:\n      login-brute-force: { threshold: ten }\n', /apps\.shop\.detectors\.login-brute-force\.threshold: /],
    ['a bad CIDR range', 'apps:\n  shop:\n    allowlist: { ips: [10.0.0.0/33] }\n', /apps\.shop\.allowlist\.ips\.0: "10\.0\.0\.0\/33" has prefix length 33; expected 0 to 32/],
    ['broken YAML', 'apps:\n  shop: [\n', /apps\.yaml:\d+:\d+: /],
  ])('refuses a settings file with %s, naming the application and key', async (_name, yaml, message) => {
    const config = join(dir, 'apps.yaml');
    writeFileSync(config, yaml);
    const { code, stderr } = await run(['replay', '--config', config, file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  describe('a login that steers the display (U+202E RIGHT-TO-LEFT OVERRIDE, U+2028 LINE SEPARATOR)', () => {
    const login = 'admin\u202Egnp.exe\u2028root';
    const steering = /[\u202E\u2028]/;
    const spoofing = join(dir, 'spoofing.jsonl');
    writeFileSync(spoofing, `${times(10, (i) => JSON.stringify(loginFailure({ ip: `198.51.100.${i + 1}`, at: i, login }))).join('\n')}\n`);

    it('is shown escaped in the table', async () => {
      const { stdout } = await run(['replay', spoofing]);
      expect(steering.test(stdout)).toBe(false);
      expect(stdout).toContain('user admin\\u202Egnp.exe\\u2028root');
    });

    it('is written as JSON escapes in JSON lines, which parse back to the login sent', async () => {
      const { stdout } = await run(['replay', '--json', spoofing]);
      expect(steering.test(stdout)).toBe(false);
      const [response] = stdout.trim().split('\n').map((line) => JSON.parse(line) as SecurityResponse);
      expect(response?.target).toEqual({ type: 'user', value: login });
    });
  });

  it('says which file does not exist', async () => {
    const { code, stderr } = await run(['replay', join(dir, 'missing.jsonl')]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.jsonl does not exist');
  });
});
