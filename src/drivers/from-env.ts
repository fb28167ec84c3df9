/**
 * The local driver and the dead-letter file as the environment names them (src/config/env.ts). The
 * rest of what the drivers need is built by the composition root (src/main/detection.ts, openDetection).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Env } from '../config/env';
import type { DriverDependencies } from './dependencies';
import { DynamoCheckpointStore } from './local/checkpoint-store';
import { LocalKinesisDriver } from './local/local-driver';
import { EMBEDDED_READ_PACING, KINESIS_READ_PACING, type ReadPacing } from './local/read-pacing';

export function deadLetterPath(env: Env): string {
  return env.RIPOSTE_DEAD_LETTERS ?? join(env.RIPOSTE_DATA_DIR, 'dead-letters.jsonl');
}

/**
 * How the local driver paces its reads on the stream it is given: Kinesis's per-shard limits on AWS or
 * any configured endpoint (a real shard throttles a reader beyond them); no byte pacing on the
 * kinesalite `riposte start` embeds, which imposes no read limit and takes in more than a real shard
 * would — paced to 2 MB/s there, the reader held one application's flood in front of every other
 * application's events (README, "One application flooding another's shard").
 */
export function readPacingFor(stream: 'embedded' | 'aws'): ReadPacing {
  return stream === 'embedded' ? EMBEDDED_READ_PACING : KINESIS_READ_PACING;
}

/** The local driver over the stream and checkpoints table the environment names, on the embedded kinesalite or AWS (or configured endpoints). */
export function localDriverFromEnv(env: Env, deps: DriverDependencies, clients: { kinesis: KinesisClient; dynamo: DynamoDBClient }, stream: 'embedded' | 'aws'): LocalKinesisDriver {
  return new LocalKinesisDriver({
    streamName: env.RIPOSTE_STREAM,
    kinesis: clients.kinesis,
    checkpoints: new DynamoCheckpointStore(clients.dynamo, env.RIPOSTE_CHECKPOINTS_TABLE, env.RIPOSTE_STREAM, `${hostname()}:${process.pid}`),
    deps,
    initialPosition: env.RIPOSTE_INITIAL_POSITION,
    readPacing: readPacingFor(stream),
  });
}
