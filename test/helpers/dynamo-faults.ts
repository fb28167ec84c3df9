/**
 * Faults injected into a real DynamoDB client as SDK middleware, below the SDK's retry and
 * deserializer middleware, so the SDK itself sees them as it would see DynamoDB's:
 * - throttle: the request never reaches the table; the reply is DynamoDB's 400 with a
 *   ProvisionedThroughputExceededException body, which the SDK parses and retries as throttling.
 * - lostReply: the request reaches the table (the put lands), then the connection resets before
 *   the reply: the SDK retries a write that already happened — the case the conditional put exists for.
 * - hang: the request never completes (a stuck connection), for killing a process mid-write.
 * Shares are read on each attempt, so a test can end a throttling storm by setting them to 0.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { FinalizeHandlerArguments, HttpResponse, MetadataBearer } from '@smithy/types';

export interface FaultPlan {
  /** Share of attempts answered with a throttling error, 0–1. */
  throttle: number;
  /** Share of attempts that land but whose reply is lost, 0–1. */
  lostReply: number;
  /** Share of attempts that never complete, 0–1 (evaluated before landing). */
  hangBefore?: number;
  /** Share of attempts that land, then never complete, 0–1. */
  hangAfter?: number;
  /** Commands affected; PutItemCommand by default. */
  commands?: readonly string[];
}

export class FaultCounters {
  attempts = 0;
  throttled = 0;
  lostReplies = 0;
  hung = 0;
}

export interface FaultyClientOptions {
  endpoint: string;
  /** Attempts per request including the first (the SDK's default is 3). */
  maxAttempts?: number;
  /**
   * Pause before each SDK retry (ms); small so tests run fast. Undefined with `sdkBackoff`: the
   * SDK's standard strategy (exponential backoff with jitter, 500 ms base for throttling, retry quota).
   */
  retryDelayMs?: number;
  sdkBackoff?: boolean;
  random?: () => number;
}

export function faultyDynamoClient(plan: FaultPlan, options: FaultyClientOptions): { client: DynamoDBClient; counters: FaultCounters } {
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 15000 }),
    ...(options.sdkBackoff === true
      ? { maxAttempts: options.maxAttempts ?? 3 }
      : { retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? 2, options.retryDelayMs ?? 5) }),
  });
  const counters = new FaultCounters();
  const random = options.random ?? Math.random;
  const commands = plan.commands ?? ['PutItemCommand'];
  // Draws only for faults that are on, so a scripted `random` lines up with the faults it means.
  const roll = (share: number | undefined): boolean => (share ?? 0) > 0 && random() < (share ?? 0);
  client.middlewareStack.add(
    (next, context) => async (args: FinalizeHandlerArguments<object>) => {
      if (!commands.includes(String(context.commandName))) return next(args);
      counters.attempts++;
      if (roll(plan.hangBefore)) {
        counters.hung++;
        return new Promise<never>(() => {});
      }
      if (roll(plan.throttle)) {
        counters.throttled++;
        return { response: throttlingReply(), output: {} as MetadataBearer };
      }
      const result = await next(args);
      if (roll(plan.hangAfter)) {
        counters.hung++;
        return new Promise<never>(() => {});
      }
      if (roll(plan.lostReply)) {
        counters.lostReplies++;
        throw Object.assign(new Error('socket hang up (injected after the write landed)'), { code: 'ECONNRESET', name: 'Error' });
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'injectDynamoFaults' },
  );
  return { client, counters };
}

/** DynamoDB's reply when a table or partition is over its throughput (AWS JSON 1.0 error body). */
function throttlingReply(): HttpResponse {
  const body = JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  });
  return {
    statusCode: 400,
    reason: 'Bad Request',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'INJECTED', 'content-length': String(Buffer.byteLength(body)) },
    body: Readable.from([Buffer.from(body)]),
  };
}
