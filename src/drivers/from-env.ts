/**
 * The local driver and the dead-letter file as the environment names them (src/config/env.ts). The
 * rest of what the drivers need is built by the composition root (src/main.ts, openDetection).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Env } from '../config/env';
import type { DriverDependencies } from './dependencies';
import { DynamoCheckpointStore } from './local/checkpoint-store';
import { LocalKinesisDriver } from './local/local-driver';

export function deadLetterPath(env: Env): string {
  return env.RIPOSTE_DEAD_LETTERS ?? join(env.RIPOSTE_DATA_DIR, 'dead-letters.jsonl');
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
