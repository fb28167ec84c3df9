/**
 * AWS clients, configured by the AWS SDK's own settings: `AWS_REGION`, `AWS_ENDPOINT_URL_KINESIS`,
 * `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`, and the default credential chain. Riposte adds
 * no variables of its own for what the SDK already reads; `overrides` exist for the embedded
 * services that `riposte start` runs in-process, and for tests.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { EnvError } from '../core/config-errors';

export interface ClientOverrides {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per request, including the first (the SDK's default is 3). */
  maxAttempts?: number;
  /** Longest one attempt may take, connecting included, before it fails with a TimeoutError. */
  requestTimeoutMs?: number;
}

function settings(o: ClientOverrides): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (o.endpoint !== undefined) s.endpoint = o.endpoint;
  if (o.region !== undefined) s.region = o.region;
  if (o.credentials !== undefined) s.credentials = o.credentials;
  if (o.maxAttempts !== undefined) s.maxAttempts = o.maxAttempts;
  return s;
}

/**
 * Without throwOnRequestTimeout the handler only prints a warning when requestTimeout passes and
 * goes on waiting: a request the network lost would hang its shard or its write for good.
 */
function requestHandler(requestTimeoutMs: number): NodeHttpHandler {
  return new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true });
}

/**
 * HTTP/1.1 always: the SDK's Kinesis client would otherwise speak HTTP/2, which kinesalite does not,
 * and Riposte uses no Kinesis call that needs HTTP/2 (enhanced fan-out is the KCL's business).
 */
export function createKinesisClient(o: ClientOverrides = {}): KinesisClient {
  return new KinesisClient({ ...settings(o), requestHandler: requestHandler(o.requestTimeoutMs ?? 30_000) });
}

export function createDynamoClient(o: ClientOverrides = {}): DynamoDBClient {
  return new DynamoDBClient({ ...settings(o), requestHandler: requestHandler(o.requestTimeoutMs ?? 15_000) });
}

/** Marshals plain objects; `undefined` fields are left out rather than refused. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * `riposte serve` and `riposte kcl` run on AWS, or on the endpoints the SDK is configured for, and
 * embed nothing: without a region the SDK could reach neither, so they refuse to start and say what
 * to set. The region is the SDK's own (AWS_REGION, or the profile in the shared config file).
 */
export async function requireAwsRegion(command: string, client: DynamoDBClient): Promise<string> {
  const region = await client.config.region().catch(() => undefined);
  if (typeof region === 'string' && region !== '') return region;
  throw new EnvError(
    `${command} runs on AWS (or the endpoints you configure) and embeds nothing, but no AWS region is configured. ` +
      'Set AWS_REGION, with credentials from the default chain; for emulators also AWS_ENDPOINT_URL_KINESIS and AWS_ENDPOINT_URL_DYNAMODB. ' +
      '`riposte start` is the command that runs everything embedded on one machine.',
  );
}
