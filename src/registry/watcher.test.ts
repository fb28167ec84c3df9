import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors } from '../../detectors';
import { waitFor } from '../../test/helpers/wait';
import { FileRegistryStore } from './file-store';
import { AppRegistry } from './registry';
import { RegistryWatcher } from './watcher';

let dir: string;
let store: FileRegistryStore;
let registry: AppRegistry;
let watcher: RegistryWatcher;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-watch-'));
  store = FileRegistryStore.inDataDir(dir);
  registry = new AppRegistry(store, builtInDetectors);
  watcher = new RegistryWatcher(store, { refreshMs: 50 });
});
afterEach(async () => {
  watcher.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('RegistryWatcher', () => {
  test.each([
    ['a token of the application', (t: string) => t, 'shop'],
    ['an unknown well-formed token', () => `rpt_${'A'.repeat(43)}`, undefined],
    ['a malformed token', () => 'hunter2', undefined],
    ['the token with a character changed', (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`, undefined],
    ['the token with whitespace around it', (t: string) => ` ${t} `, undefined],
    ['an empty token', () => '', undefined],
  ])('authenticates %s', async (_name, present, expected) => {
    const { token } = await registry.add('shop');
    await watcher.start();
    expect(watcher.authenticate(present(token))).toBe(expected);
  });

  test('a running watcher sees a new application within its refresh interval', async () => {
    await watcher.start();
    const { token } = await registry.add('late');
    const start = Date.now();
    await waitFor('the new token to authenticate', () => watcher.authenticate(token) === 'late', 3000, 10);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  test('a rotated token stops authenticating and the new one starts', async () => {
    const first = await registry.add('shop');
    await watcher.start();
    const second = await registry.rotate('shop');
    await waitFor('the rotated token to authenticate', () => watcher.authenticate(second.token) === 'shop', 3000, 10);
    expect(watcher.authenticate(first.token)).toBeUndefined();
  });

  test('the snapshot keeps its identity while nothing changed', async () => {
    await registry.add('shop');
    await watcher.start();
    const before = watcher.snapshot.apps;
    await watcher.refresh({ force: true });
    expect(watcher.snapshot.apps).toBe(before);
  });

  test('a registry that becomes unreadable keeps the last snapshot serving and reports it', async () => {
    const { token } = await registry.add('shop');
    await watcher.start();
    await writeFile(join(dir, 'apps.json'), 'not json');
    await watcher.refresh();
    expect(watcher.authenticate(token)).toBe('shop');
    expect(watcher.health().lastError).toMatch(/not JSON/);
  });

  test('start fails when the registry cannot be read, rather than serving blind', async () => {
    await writeFile(join(dir, 'apps.json'), '{"version": 2}');
    await expect(watcher.start()).rejects.toThrow(/apps\.json/);
  });
});
