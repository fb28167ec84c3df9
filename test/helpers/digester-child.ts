/**
 * A digester in its own process, for the crash test: every put it makes hangs, half of them before
 * reaching the table and half after landing (the reply never comes). It reports its fault counters
 * as JSON lines on stdout, and the test kills it with SIGKILL while it holds its messages.
 *
 * Configuration (environment): DYNAMO_ENDPOINT, TABLE, QUEUE (redis|sqs), REDIS_URL and PREFIX, or
 * SQS_ENDPOINT and SQS_QUEUE_URL; VISIBILITY (ms for Redis, s for SQS).
 */
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { Digester } from '../../src/retry/digester';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import type { RetryQueue } from '../../src/retry/retry-queue';
import { SqsRetryQueue } from '../../src/retry/sqs-queue';
import { faultyDynamoClient } from './dynamo-faults';
import { localSqsClient } from './fake-sqs';

const env = process.env;
// Odd attempts hang before reaching the table (draw 0.25 < hangBefore); even ones land, then hang (0.75 < hangAfter).
const { client, counters } = faultyDynamoClient(
  { throttle: 0, lostReply: 0, hangBefore: 0.5, hangAfter: 1 },
  { endpoint: String(env.DYNAMO_ENDPOINT), maxAttempts: 1, random: () => (counters.attempts % 2 === 1 ? 0.25 : 0.75) },
);
// 8 puts in flight, as the test's scenario counts them (of the 10 messages held, 2 wait their turn).
const store = new DynamoResponseStore(client, String(env.TABLE), { concurrency: 8 });
const queue: RetryQueue =
  env.QUEUE === 'sqs'
    ? new SqsRetryQueue(localSqsClient(String(env.SQS_ENDPOINT)), String(env.SQS_QUEUE_URL), {
        visibilityTimeoutSeconds: Number(env.VISIBILITY),
        waitTimeSeconds: 0,
      })
    : new RedisRetryQueue(String(env.REDIS_URL), { prefix: String(env.PREFIX), visibilityTimeoutMs: Number(env.VISIBILITY) });

const digester = new Digester(queue, store, { batchSize: 10, idleMs: 20 });
digester.start();
setInterval(() => process.stdout.write(`${JSON.stringify({ ...counters, received: digester.stats.received })}\n`), 20);
