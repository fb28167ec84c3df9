/**
 * `riposte start` with no AWS endpoint configured: Kinesis and DynamoDB run in this process (in worker
 * threads: src/embedded/services.ts), their data in RIPOSTE_DATA_DIR, and the AWS SDK is pointed at them.
 */
import { mkdirSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureStream } from '../aws/stream';
import { ensureTable, riposteTables } from '../aws/tables';
import { useEmbeddedEndpoints, type Env } from '../config/env';
import { startEmbeddedServices, type EmbeddedServices } from '../embedded/services';

export interface Embedded {
  services: EmbeddedServices;
  /** The environment with the embedded endpoints in it, as the AWS SDK and child processes see it. */
  awsEnv: NodeJS.ProcessEnv;
}

/** `kinesis`: the KCL accepts kinesis-local, not kinesalite (docs/drivers.md, "Which emulator"). */
export async function startEmbedded(env: Env, kinesis: 'kinesalite' | 'kinesis-local'): Promise<Embedded> {
  mkdirSync(env.RIPOSTE_DATA_DIR, { recursive: true });
  const services = await startEmbeddedServices(env.RIPOSTE_DATA_DIR, { kinesis });
  const awsEnv = useEmbeddedEndpoints({ kinesis: services.kinesisEndpoint, dynamodb: services.dynamoEndpoint });
  return { services, awsEnv };
}

/** The stream and the tables, made on the embedded services where they are not there yet. */
export async function ensureEmbeddedResources(clients: { kinesis: KinesisClient; dynamo: DynamoDBClient }, env: Env, shards: number): Promise<void> {
  await ensureStream(clients.kinesis, env.RIPOSTE_STREAM, shards);
  for (const table of riposteTables(env)) await ensureTable(clients.dynamo, table);
}
