/**
 * The composition root: the only place that wires adapters together. Three processes are built from
 * the same parts:
 * - `riposte start` — everything in one process: the local driver, the APIs, the digester;
 *   on embedded Kinesis and DynamoDB unless the AWS SDK is pointed at endpoints.
 * - `riposte serve` — the APIs and the digester, for a deployment where KCL workers do detection.
 * - `riposte kcl` — one shard's record processor under the KCL MultilangDaemon (openDetection only).
 */
import { mkdirSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Registry } from 'prom-client';
import { builtInDetectors } from '../detectors';
import { buildApi } from './api/app';
import { KinesisEventPublisher } from './api/event-publisher';
import { createApiMetrics } from './api/http-metrics';
import { createDynamoClient, createKinesisClient } from './aws/clients';
import { ensureStream } from './aws/stream';
import { ensureTable, riposteTables } from './aws/tables';
import { NotifyingSettledWriter, type ResponseChangeNotifier } from './cache/notifying-sink';
import { openResponseChanges, type ResponseChanges } from './cache/open';
import { awsEndpointsConfigured, type Env } from './config/env';
import { loadSettingsFile } from './config/settings-file';
import type { Logger } from './core/ports';
import type { DriverDependencies } from './drivers/dependencies';
import { deadLetterPath, localDriverFromEnv } from './drivers/from-env';
import type { LocalKinesisDriver } from './drivers/local/local-driver';
import { startEmbeddedServices, type EmbeddedServices } from './embedded/services';
import { registerEngineMetrics } from './observability/engine-metrics';
import { registerWritePathMetrics } from './observability/write-path-metrics';
import { startPlaybooks } from './playbooks/load';
import { RegistryAppConfigSource } from './registry/config-source';
import { openRegistryStore } from './registry/open';
import { AppRegistry } from './registry/registry';
import { RegistryWatcher } from './registry/watcher';
import { Digester } from './retry/digester';
import { retryQueueFromEnv } from './retry/from-env';
import type { RetryQueue } from './retry/retry-queue';
import { JsonLinesDeadLetterSink } from './sinks/dead-letter-file';
import { DynamoResponseStore } from './sinks/dynamodb/responses-store';
import { QueuedResponseSink } from './sinks/queued-sink';

export type Mode = 'embedded' | 'aws';

/**
 * A put takes its change key just before it is sent, and agents may miss a change that shows up more
 * than the agent API's settle time (5 s, src/api/agent-reads.ts) after its key. With a retry queue
 * an attempt slower than this fails and goes (back) to the queue, and the next attempt takes a fresh
 * key; one SDK attempt only, as an SDK retry would resend the old key.
 */
const QUEUED_WRITE_TIMEOUT_MS = 3000;

/** What detection needs, shared by the drivers, and the parts the APIs and metrics also use. */
export interface Detection {
  deps: DriverDependencies;
  registry: RegistryWatcher;
  queue: RetryQueue | undefined;
  sink: QueuedResponseSink;
  /**
   * The engine's conditional put, unannounced: the digester lands queued responses through it and
   * announces them itself, those it finds already there too (their first put failed as far as the
   * engine could tell, so nobody announced them).
   */
  store: DynamoResponseStore;
  stores: DynamoResponseStore[];
  playbookStats: { loaded: number; refused: number };
  close(): Promise<void>;
}

/**
 * Responses to DynamoDB (through the retry queue when one is configured, announcing each written
 * response so agents' caches and long-polls learn of it), dead letters to a JSON-lines file,
 * per-application settings and playbooks from the registry, RIPOSTE_SETTINGS and
 * RIPOSTE_PLAYBOOKS_DIR, all watched for changes.
 */
export async function openDetection(
  env: Env,
  rawEnv: NodeJS.ProcessEnv,
  logger: Logger,
  shared: { registry?: RegistryWatcher; notifier?: ResponseChangeNotifier; dynamo?: DynamoDBClient } = {},
): Promise<Detection> {
  const settings = env.RIPOSTE_SETTINGS === undefined ? {} : loadSettingsFile(env.RIPOSTE_SETTINGS, builtInDetectors);
  const readClient = shared.dynamo ?? createDynamoClient();
  const ownRegistry = shared.registry === undefined;
  const registry = shared.registry ?? new RegistryWatcher(openRegistryStore(env, rawEnv, readClient), { logger });
  if (ownRegistry) await registry.start(); // refuses to start blind, as the API does
  const detectors = new RegistryAppConfigSource(registry, builtInDetectors, { base: settings, logger });
  const playbooks = await startPlaybooks(detectors, { dir: env.RIPOSTE_PLAYBOOKS_DIR, registry: (appId) => registry.snapshot.apps.get(appId)?.playbooks, logger });
  // With a retry queue, the engine's writes get one SDK attempt: a throttled put goes to the queue
  // instead of stalling the shard (docs/store.md). History reads keep the SDK's retries, on the
  // process's client when it has one.
  const queue = retryQueueFromEnv(env, logger);
  const writeClient = queue === undefined ? readClient : createDynamoClient({ maxAttempts: 1, requestTimeoutMs: QUEUED_WRITE_TIMEOUT_MS });
  // The shared client is closed by whoever made it.
  const ownClients = [...new Set([readClient, writeClient])].filter((client) => client !== shared.dynamo);
  const store = new DynamoResponseStore(writeClient, env.RIPOSTE_RESPONSES_TABLE);
  const writer = shared.notifier === undefined ? store : new NotifyingSettledWriter(store, shared.notifier);
  const sink = new QueuedResponseSink(writer, queue, logger);
  const history = new DynamoResponseStore(readClient, env.RIPOSTE_RESPONSES_TABLE);
  const deadLetters = new JsonLinesDeadLetterSink(deadLetterPath(env));
  return {
    deps: {
      sink,
      history,
      deadLetters,
      config: playbooks.source,
      logger,
      processor: {
        latenessSeconds: env.RIPOSTE_LATENESS_SECONDS,
        futureToleranceSeconds: env.RIPOSTE_FUTURE_TOLERANCE_SECONDS,
        maxWindowStates: env.RIPOSTE_MAX_WINDOW_STATES,
      },
    },
    registry,
    queue,
    sink,
    store,
    stores: queue === undefined ? [store] : [store, history],
    playbookStats: playbooks.source.stats,
    async close() {
      playbooks.close();
      if (ownRegistry) registry.stop();
      await deadLetters.close();
      await queue?.close();
      for (const client of ownClients) client.destroy();
    },
  };
}

/**
 * Points the AWS SDK at the embedded services, through its own variables, so that every client made
 * from here on (and any child process) uses them. Dummy credentials only where none are set: the
 * emulators accept any.
 */
function useEndpoints(services: EmbeddedServices): void {
  process.env.AWS_ENDPOINT_URL_KINESIS = services.kinesisEndpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = services.dynamoEndpoint;
  process.env.AWS_REGION ??= process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (process.env.AWS_ACCESS_KEY_ID === undefined && process.env.AWS_PROFILE === undefined) {
    process.env.AWS_ACCESS_KEY_ID = 'riposte-embedded';
    process.env.AWS_SECRET_ACCESS_KEY = 'riposte-embedded';
  }
}

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
}

export interface RunningRiposte {
  mode: Mode;
  url: string;
  driver: LocalKinesisDriver | undefined;
  /** Stops taking requests, finishes the batch in flight, writes, checkpoints, closes everything. */
  stop(): Promise<void>;
}

export async function startRiposte(o: StartOptions): Promise<RunningRiposte> {
  const { env, logger } = o;
  const mode: Mode = awsEndpointsConfigured(o.rawEnv) ? 'aws' : 'embedded';
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
  try {
    let embedded: EmbeddedServices | undefined;
    if (mode === 'embedded') {
      mkdirSync(env.RIPOSTE_DATA_DIR, { recursive: true });
      embedded = await startEmbeddedServices(env.RIPOSTE_DATA_DIR);
      onStop('embedded Kinesis and DynamoDB', () => embedded?.close());
      useEndpoints(embedded);
    }
    const kinesis: KinesisClient = createKinesisClient();
    const dynamo: DynamoDBClient = createDynamoClient();
    onStop('AWS clients', () => {
      kinesis.destroy();
      dynamo.destroy();
    });
    if (mode === 'embedded') {
      await ensureStream(kinesis, env.RIPOSTE_STREAM, o.shards ?? 2);
      for (const table of riposteTables(env)) await ensureTable(dynamo, table);
    }

    const metrics = new Registry();
    const apiMetrics = createApiMetrics(metrics);
    const changes: ResponseChanges = await openResponseChanges(env.REDIS_URL, { logger, cacheReads: apiMetrics.cacheReads });
    onStop('agent cache and change feed', () => changes.close());

    const registryStore = openRegistryStore(env, o.rawEnv, dynamo);
    const registry = new RegistryWatcher(registryStore, { logger });
    await registry.start();
    onStop('registry watcher', () => registry.stop());
    const demo = await createDemoAppOnFirstStart(registry, new AppRegistry(registryStore, builtInDetectors), logger);

    const detection = await openDetection(env, o.rawEnv, logger, { registry, notifier: changes.notifier, dynamo });
    onStop('detection (sinks, playbooks, retry queue)', () => detection.close());

    let digester: Digester | undefined;
    if (detection.queue !== undefined) {
      digester = new Digester(detection.queue, detection.store, { logger, onLanded: (responses) => changes.notifier.changed(responses.map((r) => r.appId)) });
      digester.start();
      onStop('digester', () => digester?.stop());
    }

    let driver: LocalKinesisDriver | undefined;
    if (o.role === 'all') {
      driver = localDriverFromEnv(env, detection.deps, { kinesis, dynamo });
      driver.on('shardStarted', ({ shardId, from }) => logger.info({ shardId, from }, 'reading shard'));
      driver.on('checkpoint', ({ shardId, position }) => logger.debug({ shardId, position }, 'checkpointed'));
      registerEngineMetrics(metrics, driver, detection.playbookStats);
    }
    registerWritePathMetrics(metrics, { stores: detection.stores, sink: detection.sink, digester, queue: detection.queue, logger });

    const reader = new DynamoResponseStore(dynamo, env.RIPOSTE_RESPONSES_TABLE);
    const api = buildApi({
      registry,
      publisher: new KinesisEventPublisher(kinesis, env.RIPOSTE_STREAM, { logger }),
      reader,
      cache: changes.cache,
      feed: changes.feed,
      notifier: changes.notifier,
      adminToken: env.RIPOSTE_ADMIN_TOKEN,
      logger,
      metrics,
    });
    api.get('/metrics', async (_request, reply) => {
      reply.header('content-type', metrics.contentType);
      return metrics.metrics();
    });
    // The driver starts before the port opens: an agent never posts to a server that reads nothing.
    if (driver !== undefined) {
      await driver.start();
      onStop('local driver', () => driver?.stop());
    }
    const address = await api.listen({ port: env.PORT, host: env.HOST });
    onStop('APIs', () => api.close());
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');

    logger.info(
      {
        mode,
        url,
        stream: env.RIPOSTE_STREAM,
        kinesis: process.env.AWS_ENDPOINT_URL_KINESIS ?? 'AWS',
        dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? 'AWS',
        dataDir: mode === 'embedded' ? env.RIPOSTE_DATA_DIR : undefined,
        retryQueue: env.RIPOSTE_RETRY_QUEUE_URL !== undefined ? 'SQS' : env.REDIS_URL !== undefined ? 'Redis' : 'none (a failed write holds the shard until it lands)',
        agentCache: changes.where,
        detection: o.role === 'all' ? 'local driver (this process reads every shard)' : 'none here (KCL workers)',
      },
      mode === 'embedded' ? 'Riposte is running on its embedded Kinesis and DynamoDB' : 'Riposte is running on the configured AWS endpoints',
    );
    if (demo !== undefined) o.out.write(demoBanner(demo, url));

    let stopping: Promise<void> | undefined;
    return {
      mode,
      url,
      driver,
      stop: () => (stopping ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** On the very first start there is no application: make one, so the loop can be tried at once. */
async function createDemoAppOnFirstStart(watcher: RegistryWatcher, registry: AppRegistry, logger: Logger): Promise<{ appId: string; token: string } | undefined> {
  if (watcher.snapshot.apps.size > 0) return undefined;
  const { token } = await registry.add('demo');
  await watcher.refresh();
  logger.info({ appId: 'demo' }, 'first start: created the application "demo"');
  return { appId: 'demo', token };
}

function demoBanner(demo: { appId: string; token: string }, url: string): string {
  const event = (i: number) =>
    `{"v":1,"ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.${String(i).padStart(3, '0')}Z)'","appId":"${demo.appId}","type":"login_failure","actor":{"ip":"203.0.113.7"},"user":{"login":"alice@example.com"}}`;
  const events = Array.from({ length: 10 }, (_, i) => event(i)).join(',');
  return `
First start: created the application "${demo.appId}". Its agent token (shown once; keep it):

  ${demo.token}

Post ten failed logins from one address, then ask for the bans:

  curl -s -X POST ${url}/v1/events -H 'authorization: Bearer ${demo.token}' -H 'content-type: application/json' -d '{"events":[${events}]}'
  curl -s ${url}/v1/agent/responses -H 'authorization: Bearer ${demo.token}'

`;
}
