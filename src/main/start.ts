/**
 * The composition root: the only place that wires adapters together. Three processes are built from
 * the same parts:
 * - `riposte start` — everything in one process: the local driver, the APIs, the digester;
 *   on embedded Kinesis and DynamoDB (./embedded.ts) unless the AWS SDK is pointed at endpoints.
 * - `riposte serve` — the APIs and the digester, for a deployment where KCL workers do detection.
 * - `riposte kcl` — one shard's record processor under the KCL MultilangDaemon (./detection.ts only).
 * It reads no environment variable itself: config/env.ts does, and the values are passed in.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { builtInDetectors } from '../../detectors';
import { buildApi } from '../api/app';
import { serveMetrics } from '../api/metrics-server';
import { ApiStopping } from '../api/stopping';
import { openConsole } from '../api/console/open';
import { KinesisEventPublisher } from '../api/event-publisher';
import { createApiMetrics } from '../api/http-metrics';
import { rateFromSettings } from '../api/ingest-rate-limit';
import { createDynamoClient, createKinesisClient, requireAwsRegion } from '../aws/clients';
import { openResponseChanges, type ResponseChanges } from '../cache/open';
import { awsEndpointsConfigured, type Env } from '../config/env';
import type { Logger } from '../core/ports';
import { localDriverFromEnv } from '../drivers/from-env';
import { launchDaemon, type RunningDaemon } from '../drivers/kcl-daemon/launch';
import type { LocalKinesisDriver } from '../drivers/local/local-driver';
import { gauge } from '../observability/collected';
import { registerAppSettingsMetrics, registerEngineMetrics } from '../observability/engine-metrics';
import { registerMemoryMetrics } from '../observability/memory-metrics';
import { listenOrExplain } from './listen-or-explain';
import { messageOf, PartFailures, type PartFailure } from '../observability/failures';
import { registerWritePathMetrics } from '../observability/write-path-metrics';
import { openRegistryStore } from '../registry/open';
import { AppRegistry } from '../registry/registry';
import { RegistryWatcher } from '../registry/watcher';
import { Digester } from '../retry/digester';
import { DynamoResponseStore } from '../sinks/dynamodb/responses-store';
import { openDetection } from './detection';
import type { EmbeddedServices } from '../embedded/services';
import { ensureEmbeddedResources, startEmbedded, type Embedded } from './embedded';
import { consoleBanner, createDemoAppOnFirstStart, demoBanner } from './first-start';

export type Mode = 'embedded' | 'aws';

/** How long a stop waits for the requests being served (held long-polls are answered at once). */
const API_DRAIN_TIMEOUT_MS = 10_000;

export interface StartOptions {
  env: Env;
  /** The environment as the process received it, before embedded endpoints were added to it. */
  rawEnv: NodeJS.ProcessEnv;
  logger: Logger & import('fastify').FastifyBaseLogger;
  /** Where the start-up banner goes (the demo token and a curl line to try). */
  out: Writable;
  /** `all`: detection and the APIs (riposte start); `api`: the APIs and the digester (riposte serve). */
  role: 'all' | 'api';
  /** Shards of the stream created on embedded Kinesis. */
  shards?: number;
  /**
   * Who reads the stream when role is `all`: the local driver in this process (the default), or the
   * real KCL MultilangDaemon (Java) with one `riposte kcl` child per shard lease.
   */
  driver?: 'local' | 'kcl';
  /** The address the APIs listen on (`--host`); else HOST, else 127.0.0.1 for `all` and 0.0.0.0 for `api`. */
  host?: string;
}

export interface RunningRiposte {
  mode: Mode;
  url: string;
  driver: LocalKinesisDriver | undefined;
  /** The embedded emulators, when the mode is embedded. */
  embedded: EmbeddedServices | undefined;
  /**
   * Resolves if a part dies that the process cannot run without (the local driver, the digester, an
   * embedded emulator's thread); /healthz fails naming it from then on. Never resolves otherwise.
   */
  failed: Promise<PartFailure>;
  /** Stops taking requests, finishes the batch in flight, writes, checkpoints, closes everything. */
  stop(): Promise<void>;
}

export async function startRiposte(o: StartOptions): Promise<RunningRiposte> {
  const { env, logger } = o;
  // Only `riposte start` embeds anything; `riposte serve` is a deployment's API process, on AWS or the
  // configured endpoints, whatever else is set.
  const mode: Mode = o.role === 'api' || awsEndpointsConfigured(o.rawEnv) ? 'aws' : 'embedded';
  const kcl = o.role === 'all' && o.driver === 'kcl';
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  const onStop = (name: string, close: () => Promise<void> | void) => closers.push({ name, close });
  const closeAll = async () => {
    for (const { name, close } of closers.reverse()) {
      logger.debug({ component: name }, 'stopping');
      // A component that takes long to stop is named, with what the process is waiting on.
      const slow = setTimeout(() => logger.warn({ component: name, waitingOn: process.getActiveResourcesInfo() }, 'still stopping'), 5000).unref();
      try {
        await close();
      } catch (error) {
        logger.warn({ component: name, err: error }, 'stopping a component failed');
      } finally {
        clearTimeout(slow);
      }
    }
  };
  // Closed last (closers run in reverse), so that the port stays open, answering 503 `stopping`,
  // while everything else stops; see src/api/stopping.ts.
  const apiStopping = new ApiStopping();
  const failures = new PartFailures();
  let api: FastifyInstance | undefined;
  onStop('APIs', () => api?.close());
  try {
    let embedded: Embedded | undefined;
    if (mode === 'embedded') {
      embedded = await startEmbedded(env, kcl ? 'kinesis-local' : 'kinesalite');
      onStop('embedded Kinesis and DynamoDB', () => embedded?.services.close());
      // An emulator that stops on its own (its thread, or kinesis-local's process) is a part that
      // died, as a dead driver is.
      for (const part of embedded.services.parts) void part.failed.then((error) => failures.report(part.name, error));
    }
    // What the AWS SDK (and the KCL daemon's children) see: the process's environment, with the
    // embedded endpoints when there are some.
    const awsEnv = embedded?.awsEnv ?? o.rawEnv;
    const kinesis: KinesisClient = createKinesisClient();
    const dynamo: DynamoDBClient = createDynamoClient();
    onStop('AWS clients', () => {
      kinesis.destroy();
      dynamo.destroy();
    });
    if (o.role === 'api') await requireAwsRegion('riposte serve', dynamo);
    if (mode === 'embedded') await ensureEmbeddedResources({ kinesis, dynamo }, env, o.shards ?? 2);

    const metrics = new Registry();
    const apiMetrics = createApiMetrics(metrics);
    const changes: ResponseChanges = await openResponseChanges(env.REDIS_URL, { logger, cacheReads: apiMetrics.cacheReads });
    onStop('agent cache and change feed', () => changes.close());

    // Under the KCL the children are processes of the daemon, configured like a deployment's: they read
    // the registry from the apps table, so in this mode it lives there (in the embedded DynamoDB).
    const registryStore = openRegistryStore(env, kcl ? 'aws' : mode, dynamo);
    const registry = new RegistryWatcher(registryStore, { logger });
    await registry.start();
    onStop('registry watcher', () => registry.stop());
    const demo = await createDemoAppOnFirstStart(registry, new AppRegistry(registryStore, builtInDetectors), logger);

    const detection = await openDetection(env, logger, { registry, notifier: changes.notifier, dynamo });
    onStop('detection (sinks, playbooks, retry queue)', () => detection.close());

    let digester: Digester | undefined;
    if (detection.queue !== undefined) {
      digester = new Digester(detection.queue, detection.store, {
        logger,
        onLanded: (responses) => changes.notifier.changed(responses.map((r) => r.appId)),
        onFailed: (error) => failures.report('digester', error),
      });
      digester.start();
      onStop('digester', () => digester?.stop());
    }

    let driver: LocalKinesisDriver | undefined;
    if (o.role === 'all' && !kcl) {
      driver = localDriverFromEnv(env, detection.deps, { kinesis, dynamo }, mode);
      driver.on('shardStarted', ({ shardId, from }) => logger.info({ shardId, from }, 'reading shard'));
      driver.on('checkpoint', ({ shardId, position }) => logger.debug({ shardId, position }, 'checkpointed'));
      // The driver has stopped reading every shard: ingest would go on answering 202 for nothing.
      driver.on('failed', ({ shardId, error }) => failures.report('local driver', new Error(`shard ${shardId}: ${messageOf(error)}`, { cause: error })));
      registerEngineMetrics(metrics, driver, detection.playbookStats);
      registerAppSettingsMetrics(metrics, detection.appSettings);
    }
    registerMemoryMetrics(metrics, () => embedded?.services.threads ?? []);
    registerWritePathMetrics(metrics, { stores: detection.stores, sink: detection.sink, digester, queue: detection.queue, logger });

    const reader = new DynamoResponseStore(dynamo, env.RIPOSTE_RESPONSES_TABLE);
    const consoleParts = await openConsole({ env, mode, redis: changes.redis, registryStore, definitions: builtInDetectors, timeline: reader, logger });
    onStop('console', () => consoleParts.close());
    api = buildApi({
      registry,
      publisher: new KinesisEventPublisher(kinesis, env.RIPOSTE_STREAM, { logger, lingerMs: env.RIPOSTE_INGEST_LINGER_MS, bufferBytes: env.RIPOSTE_INGEST_BUFFER_BYTES }),
      ingestRate: rateFromSettings({ apps: () => registry.snapshot.apps, base: detection.settings }),
      reader,
      cache: changes.cache,
      feed: changes.feed,
      notifier: changes.notifier,
      console: consoleParts.deps,
      logger,
      metrics,
      stopping: apiStopping,
      failures,
      trustedProxies: env.RIPOSTE_TRUSTED_PROXIES,
    });
    gauge(metrics, 'riposte_http_requests_in_flight', 'HTTP requests being served (held long-polls included); a stop waits for them.', [], (set) => set({}, apiStopping.inFlight));
    // The embedded default is for one machine: reachable from elsewhere only when asked (--host, HOST).
    const host = o.host ?? env.HOST ?? (o.role === 'all' ? '127.0.0.1' : '0.0.0.0');
    let metricsUrl: string | undefined;
    if (env.RIPOSTE_METRICS_PORT === undefined) {
      api.get('/metrics', async (_request, reply) => {
        reply.header('content-type', metrics.contentType);
        return metrics.metrics();
      });
    } else {
      const metricsPort = env.RIPOSTE_METRICS_PORT;
      const served = await listenOrExplain('RIPOSTE_METRICS_PORT', metricsPort, host, () => serveMetrics(metrics, { port: metricsPort, host }, logger));
      onStop('/metrics', () => served.close());
      metricsUrl = served.url;
    }
    // The driver starts before the port opens: an agent never posts to a server that reads nothing.
    if (driver !== undefined) {
      await driver.start();
      onStop('local driver', () => driver?.stop());
    }
    if (kcl) {
      const daemon = await startKclDaemon(env, awsEnv, logger);
      let stopping = false;
      // The daemon reads the stream here: if it exits on its own, nothing reads what ingest accepts.
      void daemon.exited.then(
        (outcome) => stopping || failures.report('KCL MultilangDaemon', new Error(`the daemon (pid ${daemon.process.pid}) exited on its own (${outcome}); see its log lines above`)),
        (error: unknown) => stopping || failures.report('KCL MultilangDaemon', error),
      );
      onStop('KCL MultilangDaemon', async () => {
        stopping = true;
        const outcome = await daemon.stop();
        logger.info({ outcome }, 'the KCL MultilangDaemon stopped');
      });
    }
    const server = api;
    const address = await listenOrExplain('PORT', env.PORT, host, () => server.listen({ port: env.PORT, host }));
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    // fastify answers with a reachable address (127.0.0.1 for 0.0.0.0): the log says what is bound.
    const bound = api.server.address() as AddressInfo;
    const listening = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;

    logger.info(
      {
        mode,
        url,
        listening,
        metrics: metricsUrl ?? `${url}/metrics`,
        stream: env.RIPOSTE_STREAM,
        kinesis: awsEnv.AWS_ENDPOINT_URL_KINESIS ?? 'AWS',
        dynamodb: awsEnv.AWS_ENDPOINT_URL_DYNAMODB ?? 'AWS',
        dataDir: mode === 'embedded' ? env.RIPOSTE_DATA_DIR : undefined,
        retryQueue: env.RIPOSTE_RETRY_QUEUE_URL !== undefined ? 'SQS' : env.REDIS_URL !== undefined ? 'Redis' : 'none (a failed write holds the shard until it lands)',
        agentCache: changes.where,
        detection: kcl ? 'KCL MultilangDaemon (one riposte kcl per shard lease)' : o.role === 'all' ? 'local driver (this process reads every shard)' : 'none here (KCL workers)',
        console: consoleParts.access.configured ? `${url}/console/` : 'off (no admin token: set RIPOSTE_ADMIN_TOKEN)',
      },
      mode === 'embedded' ? 'Riposte is running on its embedded Kinesis and DynamoDB' : 'Riposte is running on the configured AWS endpoints',
    );
    if (demo !== undefined) o.out.write(demoBanner(demo, url));
    if (consoleParts.access.created !== undefined) o.out.write(consoleBanner(consoleParts.access, url));

    const stopGracefully = async () => {
      // Requests being served finish on everything they use; what arrives from now on is answered 503.
      await apiStopping.begin(API_DRAIN_TIMEOUT_MS);
      await closeAll();
    };
    let stopping: Promise<void> | undefined;
    return {
      mode,
      url,
      driver,
      embedded: embedded?.services,
      failed: failures.first(),
      stop: () => (stopping ??= stopGracefully()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * The real daemon, against the endpoints this process uses (embedded or configured); its log and its
 * children's go to standard error. The children inherit this environment, with the data directory
 * made absolute: they run from the installation's root.
 */
async function startKclDaemon(env: Env, awsEnv: NodeJS.ProcessEnv, logger: Logger): Promise<RunningDaemon> {
  const daemon = await launchDaemon({
    env: { ...awsEnv, RIPOSTE_DATA_DIR: resolve(env.RIPOSTE_DATA_DIR) },
    set: { streamName: env.RIPOSTE_STREAM },
    progress: (line) => logger.info({ kclJars: line }, 'KCL daemon jars'),
    stdio: ['ignore', 2, 2],
  });
  logger.info({ pid: daemon.process.pid, command: daemon.prepared.command.join(' ') }, 'started the KCL MultilangDaemon');
  return daemon;
}
