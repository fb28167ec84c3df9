/**
 * Detection's parts, shared by the three processes: `riposte start` (with the local driver or beside
 * the KCL daemon), `riposte kcl` (one shard's record processor under the daemon), and the writes the
 * APIs' process makes (the digester).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { builtInDetectors } from '../../detectors';
import { createDynamoClient } from '../aws/clients';
import { NotifyingSettledWriter, type ResponseChangeNotifier } from '../cache/response-change-notifier';
import type { Env } from '../config/env';
import { loadSettingsFile } from '../config/settings-file';
import type { Logger } from '../core/ports';
import type { DriverDependencies } from '../drivers/dependencies';
import { deadLetterPath } from '../drivers/from-env';
import type { SettingsFile } from '../engine/app-settings';
import { startPlaybooks } from '../playbooks/load';
import { RegistryAppConfigSource } from '../registry/config-source';
import { openRegistryStore } from '../registry/open';
import { RegistryWatcher } from '../registry/watcher';
import { retryQueueFromEnv } from '../retry/from-env';
import { QueuedResponseSink } from '../retry/queued-sink';
import type { RetryQueue } from '../retry/retry-queue';
import { JsonLinesDeadLetterSink } from '../sinks/dead-letter-file';
import { DynamoResponseStore } from '../sinks/dynamodb/responses-store';

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
  /** The registry's settings as the engine runs them: refused versions, and who runs a fallback. */
  appSettings: RegistryAppConfigSource;
  /** RIPOSTE_SETTINGS, read once: the ingest API takes each application's rate from it too. */
  settings: SettingsFile;
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
  logger: Logger,
  shared: { registry?: RegistryWatcher; notifier?: ResponseChangeNotifier; dynamo?: DynamoDBClient } = {},
): Promise<Detection> {
  const settings = env.RIPOSTE_SETTINGS === undefined ? {} : loadSettingsFile(env.RIPOSTE_SETTINGS, builtInDetectors);
  const readClient = shared.dynamo ?? createDynamoClient();
  const ownRegistry = shared.registry === undefined;
  // Without a registry of the process's, this is a KCL child: its registry is the deployment's table.
  const registry = shared.registry ?? new RegistryWatcher(openRegistryStore(env, 'aws', readClient), { logger });
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
        maxResponsesPerAppSecond: env.RIPOSTE_MAX_RESPONSES_PER_APP_SECOND,
      },
    },
    registry,
    queue,
    sink,
    store,
    stores: queue === undefined ? [store] : [store, history],
    playbookStats: playbooks.source.stats,
    appSettings: detectors,
    settings,
    async close() {
      playbooks.close();
      if (ownRegistry) registry.stop();
      await deadLetters.close();
      await queue?.close();
      for (const client of ownClients) client.destroy();
    },
  };
}

