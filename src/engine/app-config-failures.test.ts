/**
 * One application's configuration that cannot run affects that application only: the batch completes,
 * the other applications of the shard are judged as usual, and the failing one runs its last good
 * configuration or the defaults (settings from the registry), or nothing (a source that throws) —
 * counted and logged with its id. Before, `forApp` threw out of `processBatch`: the KCL child exited
 * and the shard replayed into the same failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInDetectors } from '../../detectors';
import type { AppConfig, AppConfigSource } from '../core/app-config';
import { StaticAppConfigSource } from './app-settings';
import { ShardProcessor } from './processor';
import { startPlaybooks } from '../playbooks/load';
import type { AppRecord } from '../registry/app-record';
import { RegistryAppConfigSource } from '../registry/config-source';
import { FileRegistryStore } from '../registry/file-store';
import { RegistryWatcher } from '../registry/watcher';
import { loginFailure, times, toRecords } from '../testing/factories';
import { RecordingLogger } from '../../test/helpers/recording-logger';

/** Twelve failed logins from `ip` in `app`, from `from` seconds on: a brute force under the defaults. */
const bruteForce = (app: string, ip: string, from = 0) => times(12, (i) => loginFailure({ app, ip, at: from + i }));
const banned = (responses: readonly { appId: string; target: { value: string }; simulated?: boolean }[]) =>
  responses.map((r) => [r.appId, r.target.value, r.simulated === true ? 'simulated' : 'enforced']).sort();

function record(appId: string, settings: Record<string, unknown>, revision = 0): AppRecord {
  const now = new Date().toISOString();
  return { appId, createdAt: now, updatedAt: now, revision, tokens: [], settings, playbooks: [] };
}

/** A value a newer release takes and this one refuses (a rolling deploy), written past the registry's validation. */
const FROM_A_NEWER_RELEASE = { detectors: { 'login-brute-force': { threshold: 'adaptive', durationSeconds: 60 } } };

describe('settings in the registry that this version refuses', () => {
  let dir: string;
  let store: FileRegistryStore;
  let watcher: RegistryWatcher;
  let logger: RecordingLogger;
  let source: RegistryAppConfigSource;
  let close: () => void;
  let processor: ShardProcessor;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'riposte-bad-config-'));
    store = FileRegistryStore.inDataDir(dir);
    watcher = new RegistryWatcher(store, { refreshMs: 60_000 });
    logger = new RecordingLogger();
    source = new RegistryAppConfigSource(watcher, builtInDetectors, { logger });
    // As openDetection composes it: the registry's settings under the playbooks.
    const playbooks = await startPlaybooks(source, { registry: (appId) => watcher.snapshot.apps.get(appId)?.playbooks, logger });
    close = playbooks.close;
    processor = new ShardProcessor({ shardId: 'shardId-000000000001', config: playbooks.source, logger });
  });
  afterEach(async () => {
    close();
    watcher.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('one application with them: the batch completes, the other is judged by its own settings, it runs the defaults, counted and logged', async () => {
    await store.create(record('good', { detectors: { 'login-brute-force': { simulate: true } } }));
    await store.create(record('rolling', FROM_A_NEWER_RELEASE));
    await watcher.start();

    const { responses } = await processor.processBatch(toRecords([...bruteForce('rolling', '198.51.100.1'), ...bruteForce('good', '198.51.100.2')]));

    expect(banned(responses)).toEqual([
      ['good', '198.51.100.2', 'simulated'],
      ['rolling', '198.51.100.1', 'enforced'], // the defaults: none of the refused settings
    ]);
    expect(source.fallbacks).toEqual(new Map([['rolling', 'defaults']]));
    expect(source.stats.refused).toBe(1);
    const logged = logger.entries.filter((e) => e.level === 'error');
    expect(logged.map((e) => [e.msg, (e.obj as { appId?: string }).appId])).toEqual([
      ['application settings in the registry cannot run; the application runs the default settings until they are mended', 'rolling'],
    ]);
    expect(String((logged[0]?.obj as { err?: Error }).err?.message)).toContain('apps.rolling.detectors.login-brute-force.threshold');
  });

  it('an application whose settings ran before keeps them when a refused version arrives, and takes the next good one', async () => {
    await store.create(record('rolling', { detectors: { 'login-brute-force': { simulate: true } } }));
    await watcher.start();
    expect(banned((await processor.processBatch(toRecords(bruteForce('rolling', '198.51.100.1')))).responses)).toEqual([['rolling', '198.51.100.1', 'simulated']]);

    await store.replace(record('rolling', FROM_A_NEWER_RELEASE, 1), 0);
    await watcher.refresh();
    expect(banned((await processor.processBatch(toRecords(bruteForce('rolling', '198.51.100.3', 60)))).responses)).toEqual([['rolling', '198.51.100.3', 'simulated']]);
    expect(source.fallbacks.get('rolling')).toBe('previous');

    await store.replace(record('rolling', {}, 2), 1);
    await watcher.refresh();
    expect(banned((await processor.processBatch(toRecords(bruteForce('rolling', '198.51.100.4', 120)))).responses)).toEqual([['rolling', '198.51.100.4', 'enforced']]);
    expect(source.fallbacks.size).toBe(0);
    expect(source.stats.refused).toBe(1);
  });
});

describe('a configuration source that throws for one application', () => {
  /** The defaults, except for `broken`, whose configuration cannot be had until `mended`. */
  class OneBroken implements AppConfigSource {
    mended = false;
    readonly #inner = new StaticAppConfigSource(builtInDetectors);
    forApp(appId: string): AppConfig {
      if (appId === 'broken' && !this.mended) throw new Error('apps.broken: the settings store returned a value this version cannot read');
      return this.#inner.forApp(appId);
    }
  }

  it('the batch completes and the others are judged; the broken one counts nothing until its configuration comes, logged once with its id', async () => {
    const source = new OneBroken();
    const logger = new RecordingLogger();
    const processor = new ShardProcessor({ shardId: 'shardId-000000000002', config: source, logger });

    const first = await processor.processBatch(toRecords([...bruteForce('broken', '198.51.100.1'), ...bruteForce('fine', '198.51.100.2')]));
    expect(banned(first.responses)).toEqual([['fine', '198.51.100.2', 'enforced']]);
    expect(first.checkpoint).not.toBeUndefined();
    await processor.processBatch(toRecords(bruteForce('broken', '198.51.100.3', 30)));
    expect(processor.stats.configRefused).toBe(2); // the first batch and the second
    const logged = logger.entries.filter((e) => e.level === 'error');
    expect(logged.map((e) => [(e.obj as { appId?: string }).appId, (e.obj as { running?: string }).running])).toEqual([['broken', 'nothing: its events are not counted']]);

    source.mended = true;
    const later = await processor.processBatch(toRecords(bruteForce('broken', '198.51.100.4', 60)));
    expect(banned(later.responses)).toEqual([['broken', '198.51.100.4', 'enforced']]);
  });
});
