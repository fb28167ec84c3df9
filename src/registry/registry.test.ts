import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors } from '../../detectors';
import { FileRegistryStore } from './file-store';
import { AppRegistry } from './registry';
import { RegistryError } from './store';
import { AGENT_TOKEN, hashToken } from './tokens';

let dir: string;
let registry: AppRegistry;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-registry-'));
  registry = new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('AppRegistry', () => {
  test.each(['constructor', 'valueOf', 'toString', 'hasOwnProperty'])('an application named %s, like an Object.prototype member, is an application like any other', async (appId) => {
    await registry.add(appId);
    const configured = await registry.configure(appId, { settings: { allowlist: { ips: ['10.0.0.0/8'] } } });
    expect(configured.revision).toBe(2);
    expect((await registry.list()).map((r) => [r.appId, r.revision])).toEqual([[appId, 2]]);
    expect(await new FileRegistryStore(join(dir, 'apps.json')).get('isPrototypeOf')).toBeUndefined();
  });

  test('__proto__ is refused as an application id, with what an id may be', async () => {
    expect((await failure(registry.add('__proto__'))).message).toMatch(/starts with a letter or digit/);
  });

  test('add issues a well-formed token and keeps only its hash', async () => {
    const { token, record } = await registry.add('shop');
    expect(token).toMatch(AGENT_TOKEN);
    expect(record.tokens).toEqual([{ hash: hashToken(token), createdAt: record.createdAt }]);
    const file = await readFile(join(dir, 'apps.json'), 'utf8');
    expect(file).not.toContain(token);
    expect(file).toContain(hashToken(token));
  });

  test('two applications never get the same token', async () => {
    const a = await registry.add('a');
    const b = await registry.add('b');
    expect(a.token).not.toBe(b.token);
  });

  test.each([
    ['an id with a space', () => registry.add('bad id'), 'invalid_app_id'],
    ['an empty id', () => registry.add(''), 'invalid_app_id'],
    ['an id starting with #', () => registry.add('#registry'), 'invalid_app_id'],
    ['an id of 129 characters', () => registry.add('a'.repeat(129)), 'invalid_app_id'],
    ['an existing application', async () => (await registry.add('shop'), registry.add('shop')), 'app_exists'],
    ['rotating an unknown application', () => registry.rotate('nope'), 'unknown_app'],
    ['configuring an unknown application', () => registry.configure('nope', { settings: {} }), 'unknown_app'],
    ['an unknown detector in settings', () => registry.add('shop', { settings: { detectors: { nope: {} } } }), 'invalid_settings'],
    ['a wrong type in settings', () => registry.add('shop', { settings: { detectors: { 'login-brute-force': { threshold: 'ten' } } } }), 'invalid_settings'],
    ['a bad allowlisted IP', () => registry.add('shop', { settings: { allowlist: { ips: ['300.1.1.1'] } } }), 'invalid_settings'],
    ['an unknown settings key', () => registry.add('shop', { settings: { detector: {} } }), 'invalid_settings'],
    ['settings that are not an object', () => registry.add('shop', { settings: [] }), 'invalid_settings'],
    ['two playbooks with one name', () => registry.add('shop', { playbooks: [{ name: 'p', yaml: 'a: 1' }, { name: 'p', yaml: 'b: 1' }] }), 'invalid_settings'],
    ['a playbook name with a slash', () => registry.add('shop', { playbooks: [{ name: '../p', yaml: 'a: 1' }] }), 'invalid_settings'],
  ])('refuses %s', async (_name, act, code) => {
    const error = await failure(act());
    expect(error.code).toBe(code);
  });

  test('an error about settings names the application and the key', async () => {
    const error = await failure(registry.add('shop', { settings: { detectors: { 'login-brute-force': { threshold: 'ten' } } } }));
    expect(error.message).toMatch(/shop/);
    expect(error.message).toMatch(/login-brute-force\.threshold/);
  });

  test('rotate revokes every earlier token', async () => {
    const first = await registry.add('shop');
    const { token, revoked, record } = await registry.rotate('shop');
    expect(revoked).toBe(1);
    expect(record.tokens.map((t) => t.hash)).toEqual([hashToken(token)]);
    expect(record.tokens.map((t) => t.hash)).not.toContain(hashToken(first.token));
    expect(record.revision).toBe(2);
  });

  test('configure keeps what it is not given and moves the revision', async () => {
    await registry.add('shop', { settings: { allowlist: { ips: ['10.0.0.0/8'] } }, playbooks: [{ name: 'p', yaml: 'x: 1' }] });
    const record = await registry.configure('shop', { settings: { detectors: { scanner: { enabled: false } } } });
    expect(record.settings).toEqual({ detectors: { scanner: { enabled: false } } });
    expect(record.playbooks).toEqual([{ name: 'p', yaml: 'x: 1' }]);
    expect(record.revision).toBe(2);
  });

  test('concurrent rotations from two processes both land, one after the other', async () => {
    await registry.add('shop');
    const other = new AppRegistry(FileRegistryStore.inDataDir(dir), builtInDetectors);
    const [a, b] = await Promise.all([registry.rotate('shop'), other.rotate('shop')]);
    const final = await registry.get('shop');
    expect(final.revision).toBe(3);
    // The last writer's token is the valid one; the other was revoked by it.
    expect([hashToken(a.token), hashToken(b.token)]).toContain(final.tokens[0]?.hash);
  });

  test('a corrupt registry file is reported with its path', async () => {
    await registry.add('shop');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'apps.json'), '{"version":1,"apps":{"shop":{"appId":"shop"}}}');
    const error = await failure(registry.list());
    expect(error.code).toBe('invalid_registry');
    expect(error.message).toContain(join(dir, 'apps.json'));
  });
});
