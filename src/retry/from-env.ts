/**
 * Which retry queue the configuration asks for: SQS when RIPOSTE_RETRY_QUEUE_URL is set (production),
 * else Redis when REDIS_URL is set, else none — then a response write that still fails rejects, and
 * the driver does not checkpoint past it. The SQS client takes its endpoint, region and credentials
 * from the SDK's own settings (AWS_ENDPOINT_URL_SQS, AWS_REGION, the default chain).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Env } from '../config/env';
import type { Logger } from '../core/ports';
import { RedisRetryQueue } from './redis-queue';
import type { RetryQueue } from './retry-queue';
import { SqsRetryQueue } from './sqs-queue';

export function retryQueueFromEnv(env: Pick<Env, 'REDIS_URL' | 'RIPOSTE_RETRY_QUEUE_URL'>, logger?: Logger): RetryQueue | undefined {
  if (env.RIPOSTE_RETRY_QUEUE_URL !== undefined) {
    // A long poll (10 s) must outlast no request timeout of ours; without throwOnRequestTimeout a
    // lost request would only be warned about and waited on for good (see aws/clients.ts).
    const client = new SQSClient({ requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000, throwOnRequestTimeout: true }) });
    return new SqsRetryQueue(client, env.RIPOSTE_RETRY_QUEUE_URL, { ownsClient: true });
  }
  if (env.REDIS_URL !== undefined) return new RedisRetryQueue(env.REDIS_URL, logger === undefined ? {} : { logger });
  return undefined;
}
