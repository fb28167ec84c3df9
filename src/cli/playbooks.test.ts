import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from './main';

const root = join(__dirname, '../..');
const examples = join(root, 'playbooks');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await main(argv, { stdin: new PassThrough(), stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'riposte-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const broken = 'name: broken\ndescription: A typo.\nmatch: { type: custm }\ngroupBy: actor.ip\nwindow: 10m\nthreshold: 5\nresponse: { action: ban, target: actor.ip, duration: 1h }\n';

describe('riposte playbooks check', () => {
  it('accepts the example playbooks', async () => {
    const { code, stdout, stderr } = await run('playbooks', 'check', examples);
    expect(code).toBe(0);
    expect(stdout).toContain(`${join(examples, 'successful-brute-force.yaml')}: ok (sequence)`);
    expect(stderr).toBe('5 playbooks checked, 0 invalid\n');
  });

  it('prints each problem as file:line:col and exits with status 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, broken);
    const { code, stderr } = await run('playbooks', 'check', file);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe(`${file}:3:16: match.type: "custm" is not an event type (did you mean "custom"?); types are login_failure, login_success, attack, request, custom`);
  });
});

describe('riposte playbooks test', () => {
  it('runs the example playbooks against their fixtures', async () => {
    const { code, stdout } = await run('playbooks', 'test', examples);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ gift-card-enumeration › twenty-different-invalid-codes-in-ten-minutes-ban-the-ip$/m);
    expect(stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('fails when a case does not give the responses it expects', async () => {
    const own = join(dir, 'fixtures', 'coupons', 'five-tries-ban');
    writeFileSync(join(dir, 'coupons.yaml'), broken.replace('broken', 'coupons').replace('custm', 'custom'));
    writeFileSync(join(dir, 'coupons.md'), '# coupons\n');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'events.jsonl'), '{"v":1,"ts":"2026-11-28T12:00:00Z","appId":"shop","type":"custom","event":"x","actor":{"ip":"192.0.2.1"}}\n');
    writeFileSync(join(own, 'responses.yaml'), '- target: ip:192.0.2.1\n');
    const { code, stdout } = await run('playbooks', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toContain('✗ coupons › five-tries-ban\n    expected [{"target":"ip:192.0.2.1"}]\n    got      []');
  });
});

describe('riposte replay --playbooks', () => {
  it('runs the playbooks of a directory besides the detectors', async () => {
    const events = join(examples, 'fixtures/successful-brute-force/five-failures-then-a-success-send-the-user-to-the-identity-check/events.jsonl');
    const { code, stdout } = await run('replay', '--json', '--playbooks', examples, events);
    expect(code).toBe(0);
    const responses = stdout.trim().split('\n').map((line) => JSON.parse(line) as { detector: string; target: { value: string } });
    expect(responses.map((r) => `${r.detector} ${r.target.value}`)).toEqual(['successful-brute-force carla@example.com']);
  });

  it('refuses to run with an invalid playbook, naming where it is wrong', async () => {
    writeFileSync(join(dir, 'broken.yaml'), broken);
    const { code, stderr } = await run('replay', '--playbooks', dir, join(examples, 'fixtures/card-testing/large-declined-payments-are-not-card-testing/events.jsonl'));
    expect(code).toBe(2);
    expect(stderr).toContain(`riposte: ${join(dir, 'broken.yaml')}:3:16: match.type:`);
  });
});
