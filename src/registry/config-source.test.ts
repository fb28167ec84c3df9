import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors } from '../../detectors';
import { RegistryAppConfigSource } from './config-source';
import { FileRegistryStore } from './file-store';
import { AppRegistry } from './registry';
import { RegistryWatcher } from './watcher';

let dir: string;
let registry: AppRegistry;
let watcher: RegistryWatcher;
let source: RegistryAppConfigSource;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-config-'));
  const store = FileRegistryStore.inDataDir(dir);
  registry = new AppRegistry(store, builtInDetectors);
  watcher = new RegistryWatcher(store, { refreshMs: 60_000 });
  source = new RegistryAppConfigSource(watcher, builtInDetectors, { base: { defaults: { allowlist: { users: ['monitor'] } } } });
});
afterEach(async () => {
  watcher.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('RegistryAppConfigSource', () => {
  test('an application gets its own settings on top of the defaults', async () => {
    await registry.add('shop', { settings: { allowlist: { ips: ['10.0.0.0/8'] }, detectors: { scanner: { enabled: false } } } });
    await watcher.start();
    const config = source.forApp('shop');
    expect(config.allowlist).toEqual({ ips: ['10.0.0.0/8'], users: ['monitor'] });
    expect(config.detectors.map((d) => d.name)).not.toContain('scanner');
  });

  test('an application not in the registry runs the defaults', async () => {
    await watcher.start();
    const config = source.forApp('unknown');
    expect(config.detectors).toHaveLength(builtInDetectors.length);
    expect(config.allowlist.users).toEqual(['monitor']);
  });

  test('the same object comes back while nothing changed, even across refreshes', async () => {
    await registry.add('shop');
    await watcher.start();
    const first = source.forApp('shop');
    await watcher.refresh({ force: true });
    expect(source.forApp('shop')).toBe(first);
  });

  test('a new object comes back once the settings changed', async () => {
    await registry.add('shop');
    await watcher.start();
    const first = source.forApp('shop');
    await registry.configure('shop', { settings: { detectors: { 'login-brute-force': { simulate: true } } } });
    await watcher.refresh();
    const second = source.forApp('shop');
    expect(second).not.toBe(first);
    expect(second.detectors.find((d) => d.name === 'login-brute-force')?.simulate).toBe(true);
  });

  test('rotating a token changes no setting, so the same object comes back', async () => {
    await registry.add('shop');
    await watcher.start();
    const first = source.forApp('shop');
    await registry.rotate('shop');
    await watcher.refresh();
    expect(source.forApp('shop')).toBe(first);
  });
});
