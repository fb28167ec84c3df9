/**
 * The HTTP API assembled for tests: a registry in a temporary directory with some applications, the
 * in-memory responses store, the in-process cache and feed (or those given), a real Kinesis stream on
 * kinesalite, and a logger whose lines the test can read.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { builtInDetectors } from '../../detectors';
import { buildApi, type ApiDeps } from '../../src/api/app';
import { KinesisEventPublisher, type PublisherOptions } from '../../src/api/event-publisher';
import { rateFromSettings } from '../../src/api/ingest-rate-limit';
import { ensureStream } from '../../src/aws/stream';
import { LocalChangeFeed, type ChangeFeed } from '../../src/cache/change-feed';
import { NotifyingResponseSink, ResponseChangeNotifier } from '../../src/cache/response-change-notifier';
import { MemoryResponseCache, type ResponseCache } from '../../src/cache/response-cache';
import type { ResponseReader } from '../../src/core/ports';
import type { SecurityResponse } from '../../src/core/response';
import { FileRegistryStore } from '../../src/registry/file-store';
import { AppRegistry } from '../../src/registry/registry';
import { RegistryWatcher } from '../../src/registry/watcher';
import { MemoryResponseStore } from '../../src/sinks/memory-store';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

export interface HarnessOptions {
  kinesis: KinesisClient;
  /** The client the ingest API writes with (e.g. one that injects throttling); `kinesis` by default. */
  publisherClient?: KinesisClient;
  /** The group commit's settings (linger, buffer, record size); retries are quick in tests. */
  publisher?: PublisherOptions;
  apps?: readonly string[];
  reader?: ResponseReader;
  cache?: ResponseCache;
  feed?: ChangeFeed;
  /** Shares a registry directory with another harness (two API processes of one deployment). */
  registryDir?: string;
  streamName?: string;
  clock?: () => number;
  overrides?: Partial<ApiDeps>;
}

export interface ApiHarness {
  app: FastifyInstance;
  store: MemoryResponseStore;
  /** The store's sink wrapped as the engine's would be: each write invalidates and wakes. */
  sink: NotifyingResponseSink;
  cache: ResponseCache;
  feed: ChangeFeed;
  registry: AppRegistry;
  watcher: RegistryWatcher;
  registryDir: string;
  tokens: Record<string, string>;
  streamName: string;
  logs: string[];
  metrics: Registry;
  close(): Promise<void>;
}

let streams = 0;

export async function startApiHarness(options: HarnessOptions): Promise<ApiHarness> {
  const registryDir = options.registryDir ?? (await mkdtemp(join(tmpdir(), 'riposte-api-')));
  const registryStore = FileRegistryStore.inDataDir(registryDir);
  const registry = new AppRegistry(registryStore, builtInDetectors);
  const tokens: Record<string, string> = {};
  for (const appId of options.apps ?? []) tokens[appId] = (await registry.add(appId)).token;
  const watcher = new RegistryWatcher(registryStore, { refreshMs: 100 });
  await watcher.start();

  let streamName = options.streamName;
  if (streamName === undefined) {
    streamName = `events-${process.pid}-${++streams}`;
    await ensureStream(options.kinesis, streamName, 1);
  }
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const store = new MemoryResponseStore(options.clock);
  const metrics = new Registry();
  const cache = options.cache ?? new MemoryResponseCache(undefined, options.clock);
  const feed = options.feed ?? new LocalChangeFeed();
  const app = buildApi({
    registry: watcher,
    publisher: new KinesisEventPublisher(options.publisherClient ?? options.kinesis, streamName, { baseDelayMs: 1, attempts: 4, ...options.publisher }),
    // Each application's ingest rate from its settings in the registry, as riposte start does.
    ingestRate: rateFromSettings({ apps: () => watcher.snapshot.apps }),
    reader: options.reader ?? store,
    cache,
    feed,
    clock: options.clock,
    adminToken: ADMIN_TOKEN,
    logger: pino({ level: 'info' }, sink),
    metrics,
    ...options.overrides,
  });
  await app.ready();
  return {
    app,
    store,
    sink: new NotifyingResponseSink(store, new ResponseChangeNotifier(cache, feed)),
    cache,
    feed,
    registry,
    watcher,
    registryDir,
    tokens,
    streamName,
    logs,
    metrics,
    close: async () => {
      watcher.stop();
      await app.close();
      if (options.registryDir === undefined) await rm(registryDir, { recursive: true, force: true });
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

let responses = 0;

/** A ban of `ip` in `appId`, in force for `seconds` from now. */
export function banResponse(appId: string, ip: string, o: { seconds?: number; simulated?: boolean; nowMs?: number } = {}): SecurityResponse {
  const now = o.nowMs ?? Date.now();
  return {
    id: `r${++responses}-${appId}-${ip}`.replace(/[^A-Za-z0-9_-]/g, '_'),
    appId,
    action: 'ban',
    target: { type: 'ip', value: ip },
    redirectUrl: null,
    detector: 'login-brute-force',
    reason: '31 login failures in 60 s',
    evidence: { count: 31, windowSeconds: 60, firstSeen: new Date(now - 60_000).toISOString(), lastSeen: new Date(now).toISOString(), samples: [] },
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + (o.seconds ?? 3600) * 1000).toISOString(),
    simulated: o.simulated ?? false,
  };
}
