/**
 * The drivers' dependencies built from the environment (src/config/env.ts): responses in the
 * DynamoDB responses table, dead letters in a JSON-lines file, per-application settings from
 * RIPOSTE_SETTINGS with the built-in detectors. `riposte kcl` uses it as is; the composition root
 * of `riposte start` builds the same things, sharing clients with the APIs.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { builtInDetectors } from '../../detectors';
import { createDynamoClient } from '../aws/clients';
import { StaticAppConfigSource } from '../config/app-config';
import type { Env } from '../config/env';
import { loadSettingsFile } from '../config/settings-file';
import type { Logger } from '../core/ports';
import { JsonLinesDeadLetterSink } from '../sinks/dead-letter-file';
import { DynamoResponseStore } from '../sinks/dynamodb/responses-store';
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

export function driverDependenciesFromEnv(env: Env, logger: Logger): DriverRuntime {
  const dynamo = createDynamoClient();
  const store = new DynamoResponseStore(dynamo, env.RIPOSTE_RESPONSES_TABLE);
  const deadLetters = new JsonLinesDeadLetterSink(deadLetterPath(env));
  const settings = env.RIPOSTE_SETTINGS === undefined ? {} : loadSettingsFile(env.RIPOSTE_SETTINGS, builtInDetectors);
  return {
    deps: {
      sink: store,
      history: store,
      deadLetters,
      config: new StaticAppConfigSource(builtInDetectors, settings),
      logger,
      processor: {
        latenessSeconds: env.RIPOSTE_LATENESS_SECONDS,
        futureToleranceSeconds: env.RIPOSTE_FUTURE_TOLERANCE_SECONDS,
        maxWindowStates: env.RIPOSTE_MAX_WINDOW_STATES,
      },
    },
    async close() {
      await deadLetters.close();
      dynamo.destroy();
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
