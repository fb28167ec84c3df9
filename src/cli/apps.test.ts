import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { builtInDetectors } from '../../detectors';
import { FileRegistryStore } from '../registry/file-store';
import { AppRegistry } from '../registry/registry';
import { AGENT_TOKEN, hashToken } from '../registry/tokens';
import { Command } from 'commander';
import { appsCommand } from './apps';
import type { CliContext } from './context';
import { capturedStream } from '../testing/captured-stream';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-cli-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `riposte apps ...` in-process against a registry in the test's directory. */
async function riposte(...args: string[]): Promise<Run> {
  const stdout = capturedStream();
  const stderr = capturedStream();
  const cli: CliContext = { io: { stdin: new PassThrough(), stdout: stdout.stream, stderr: stderr.stream }, exitCode: 0 };
  const program = new Command('riposte').exitOverride().configureOutput({ writeOut: (s) => stdout.stream.write(s), writeErr: (s) => stderr.stream.write(s) });
  program.addCommand(appsCommand(cli, () => new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors)));
  const inherit = (c: Command): void => c.commands.forEach((sub) => inherit(sub.exitOverride().configureOutput(program.configureOutput())));
  inherit(program);
  let code = 0;
  try {
    await program.parseAsync(['apps', ...args], { from: 'user' });
    code = cli.exitCode;
  } catch (error) {
    code = (error as { exitCode?: number }).exitCode ?? 1;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

describe('riposte apps', () => {
  test('add prints a token as the last line, and the registry keeps only its hash', async () => {
    const run = await riposte('add', 'shop');
    expect(run.code).toBe(0);
    const token = lastLine(run.stdout);
    expect(token).toMatch(AGENT_TOKEN);
    expect(run.stdout.trim()).toBe(token);
    const record = await new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors).get('shop');
    expect(record.tokens.map((t) => t.hash)).toEqual([hashToken(token)]);
  });

  test('rotate prints a new token, says the old one is revoked, and the old hash is gone', async () => {
    const first = lastLine((await riposte('add', 'shop')).stdout);
    const run = await riposte('rotate', 'shop');
    const second = lastLine(run.stdout);
    expect(run.code).toBe(0);
    expect(second).toMatch(AGENT_TOKEN);
    expect(second).not.toBe(first);
    expect(run.stderr).toMatch(/revoked/);
    const record = await new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors).get('shop');
    expect(record.tokens.map((t) => t.hash)).toEqual([hashToken(second)]);
  });

  test('list shows applications by id and never a token or a full hash', async () => {
    const token = lastLine((await riposte('add', 'shop')).stdout);
    await riposte('add', 'blog');
    const run = await riposte('list');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^app\s+tokens/);
    expect(run.stdout.indexOf('blog')).toBeLessThan(run.stdout.indexOf('shop'));
    expect(run.stdout).not.toContain(token);
    expect(run.stdout).not.toContain(hashToken(token));
    expect(run.stdout).toContain(hashToken(token).slice(0, 10));
  });

  test('list --json gives one object per application', async () => {
    await riposte('add', 'shop');
    const run = await riposte('list', '--json');
    const rows = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { appId: string; tokens: unknown[] });
    expect(rows.map((r) => r.appId)).toEqual(['shop']);
    expect(rows[0]?.tokens).toHaveLength(1);
  });

  test('add --settings reads YAML and configure replaces it', async () => {
    const settings = join(dir, 'shop.yaml');
    await writeFile(settings, 'allowlist:\n  ips: [10.0.0.0/8]\n');
    expect((await riposte('add', 'shop', '--settings', settings)).code).toBe(0);
    await writeFile(settings, 'detectors:\n  scanner: { enabled: false }\n');
    expect((await riposte('configure', 'shop', '--settings', settings)).code).toBe(0);
    const record = await new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors).get('shop');
    expect(record.settings).toEqual({ detectors: { scanner: { enabled: false } } });
  });

  test.each([
    ['an invalid id', ['add', 'bad id'], 2, /invalid application id "bad id"/],
    ['an existing application', ['add', 'shop'], 1, /application shop already exists/],
    ['rotating an unknown application', ['rotate', 'ghost'], 1, /application ghost does not exist/],
    ['configuring with nothing to change', ['configure', 'shop'], 2, /nothing to change/],
    ['a missing settings file', ['configure', 'shop', '--settings', '/nonexistent/x.yaml'], 2, /cannot read \/nonexistent\/x\.yaml/],
    ['add without an id', ['add'], 1, /missing required argument 'appId'/],
  ])('refuses %s with a clear message', async (_name, args, code, message) => {
    await riposte('add', 'shop');
    const run = await riposte(...args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  test('settings that do not validate are refused naming the file and the key', async () => {
    const settings = join(dir, 'wrong.yaml');
    await writeFile(settings, 'detectors:\n  login-brute-force: { threshold: ten }\n');
    const run = await riposte('add', 'shop', '--settings', settings);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(settings);
    expect(run.stderr).toMatch(/apps\.shop\.detectors\.login-brute-force\.threshold/);
  });

  test('invalid settings are refused with the line of the problem', async () => {
    const settings = join(dir, 'bad.yaml');
    await writeFile(settings, 'detectors:\n  scanner: { enabled: maybe, }\n  - broken\n');
    const run = await riposte('add', 'shop', '--settings', settings);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:\d+:\d+/);
  });

  test('--help of each command explains it', async () => {
    for (const command of ['add', 'list', 'rotate', 'configure']) {
      const run = await riposte(command, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Usage: riposte apps ${command}`));
    }
    expect((await riposte('rotate', '--help')).stdout).toMatch(/revoked/);
  });
});

test('riposte apps is registered on the command line and uses RIPOSTE_DATA_DIR', async () => {
  const { main } = await import('./main');
  const saved = process.env.RIPOSTE_DATA_DIR;
  process.env.RIPOSTE_DATA_DIR = dir;
  try {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await main(['apps', 'add', 'shop'], { stdin: new PassThrough(), stdout, stderr: new PassThrough() });
    expect(code).toBe(0);
    expect(out.trim()).toMatch(AGENT_TOKEN);
    expect((await new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors).list()).map((r) => r.appId)).toEqual(['shop']);
  } finally {
    if (saved === undefined) delete process.env.RIPOSTE_DATA_DIR;
    else process.env.RIPOSTE_DATA_DIR = saved;
  }
});
