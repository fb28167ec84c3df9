/**
 * The drivers' dependencies built from the environment (src/config/env.ts): responses in the
 * DynamoDB responses table (through the retry queue when one is configured), dead letters in a
 * JSON-lines file, per-application settings and playbooks from the application registry, on top of
 * RIPOSTE_SETTINGS and the built-in detectors, and the playbooks of RIPOSTE_PLAYBOOKS_DIR (both
 * watched for changes). No
 * digester runs here: in a KCL deployment that is one per shard; the queue is drained by whichever
 * long-running Riposte process runs the digester. `riposte kcl` uses it as is; the composition root
 * of `riposte start` builds the same things, sharing clients with the APIs.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { builtInDetectors } from '../../detectors';
import { createDynamoClient } from '../aws/clients';
import type { Env } from '../config/env';
import { loadSettingsFile } from '../config/settings-file';
import { startPlaybooks } from '../playbooks/load';
import { RegistryAppConfigSource } from '../registry/config-source';
import { openRegistryStore } from '../registry/open';
import { RegistryWatcher } from '../registry/watcher';
import type { Logger } from '../core/ports';
import { JsonLinesDeadLetterSink } from '../sinks/dead-letter-file';
import { DynamoResponseStore } from '../sinks/dynamodb/responses-store';
import { QueuedResponseSink } from '../sinks/queued-sink';
import { retryQueueFromEnv } from '../retry/from-env';
import type { DriverDependencies } from './dependencies';
import { DynamoCheckpointStore } from './local/checkpoint-store';
import { LocalKinesisDriver } from './local/local-driver';

export interface DriverRuntime {
  deps: DriverDependencies;
  /** Closes the clients and files, so that the process can exit. */
  close(): Promise<void>;
}

export function deadLetterPath(env: Env): string {
  return env.RIPOSTE_DEAD_LETTERS ?? join(env.RIPOSTE_DATA_DIR, 'dead-letters.jsonl');
}

export async function driverDependenciesFromEnv(env: Env, logger: Logger): Promise<DriverRuntime> {
  const settings = env.RIPOSTE_SETTINGS === undefined ? {} : loadSettingsFile(env.RIPOSTE_SETTINGS, builtInDetectors);
  // Per-application settings and playbooks from the application registry (the apps table, or a
  // file in embedded mode), kept fresh; refuses to start blind, as the API does.
  const registry = new RegistryWatcher(openRegistryStore(env), { logger });
  await registry.start();
  const detectors = new RegistryAppConfigSource(registry, builtInDetectors, { base: settings, logger });
  const playbooks = await startPlaybooks(detectors, { dir: env.RIPOSTE_PLAYBOOKS_DIR, registry: (appId) => registry.snapshot.apps.get(appId)?.playbooks, logger });
  // With a retry queue, the engine's writes get one SDK attempt: a throttled put goes to the queue
  // instead of stalling the shard (docs/store.md). History reads keep the SDK's retries.
  const queue = retryQueueFromEnv(env, logger);
  const writeClient = createDynamoClient(queue === undefined ? {} : { maxAttempts: 1 });
  const readClient = queue === undefined ? writeClient : createDynamoClient();
  const sink = new QueuedResponseSink(new DynamoResponseStore(writeClient, env.RIPOSTE_RESPONSES_TABLE), queue, logger);
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
    async close() {
      playbooks.close();
      registry.stop();
      await deadLetters.close();
      await queue?.close();
      writeClient.destroy();
      readClient.destroy();
    },
  };
}

/** The local driver over the stream and checkpoints table the environment names. */
export function localDriverFromEnv(env: Env, deps: DriverDependencies, clients: { kinesis: KinesisClient; dynamo: DynamoDBClient }): LocalKinesisDriver {
  return new LocalKinesisDriver({
    streamName: env.RIPOSTE_STREAM,
    kinesis: clients.kinesis,
    checkpoints: new DynamoCheckpointStore(clients.dynamo, env.RIPOSTE_CHECKPOINTS_TABLE, env.RIPOSTE_STREAM, `${hostname()}:${process.pid}`),
    deps,
    initialPosition: env.RIPOSTE_INITIAL_POSITION,
  });
}
