/**
 * The write path under injected faults: a real DynamoDB client (on dynalite) whose PutItem attempts
 * are throttled or lose their reply, through the SDK's own retry (reduced to 2 attempts), the queued
 * sink, the retry queue (Redis for real, SQS through FakeSqs) and the digester. Every response must
 * end in the table exactly once and the queue must drain.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type Redis from 'ioredis';
import { DynamoResponseStore, ResponseWriteError } from '../../src/sinks/dynamodb/responses-store';
import { QueuedResponseSink } from '../../src/retry/queued-sink';
import { seededRandom } from '../../src/testing/random';
import { Digester } from '../../src/retry/digester';
import type { RetryQueue } from '../../src/retry/retry-queue';
import { faultyDynamoClient, type FaultPlan } from '../helpers/dynamo-faults';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { connectRedis } from '../helpers/redis';
import { makeResponse, manyResponses } from '../helpers/responses';
import { openTestQueue, type QueueKind } from '../helpers/retry-queues';
import { waitFor } from '../helpers/wait';

let dynamo: LocalDynamo;
let redis: Redis;
beforeAll(async () => {
  dynamo = await startDynalite();
  redis = connectRedis();
});
afterAll(async () => {
  await redis.quit();
  await dynamo.close();
});



describe('the injected faults are what the SDK sees from DynamoDB', () => {
  it('a throttled put is retried by the SDK, then fails as ProvisionedThroughputExceededException', async () => {
    const table = await dynamo.responsesTable();
    const { client, counters } = faultyDynamoClient({ throttle: 1, lostReply: 0 }, { endpoint: dynamo.endpoint, maxAttempts: 2 });
    const error = await client.send(new PutItemCommand({ TableName: table, Item: { appId: { S: 'a' }, id: { S: 'b' } } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400, attempts: 2 } });
    expect(counters).toMatchObject({ attempts: 2, throttled: 2 });
    client.destroy();
  });

  it("a put whose reply is lost has landed: the SDK's retry meets the condition, and it is one item", async () => {
    const table = await dynamo.responsesTable();
    const answers = [0.0, 0.9]; // first attempt: reply lost; second: fine
    const { client } = faultyDynamoClient({ throttle: 0, lostReply: 0.5 }, { endpoint: dynamo.endpoint, maxAttempts: 2, random: () => answers.shift() ?? 0.9 });
    const store = new DynamoResponseStore(client, table);
    expect(await store.put(makeResponse())).toBe('exists');
    expect(await store.changes('app-1', null, 10)).toHaveLength(1);
    client.destroy();
  });
});

describe.each<QueueKind>(['redis', 'sqs'])('throttling storm with the %s retry queue', (kind) => {
  it('every response ends in the table exactly once and the queue drains', async () => {
    const table = await dynamo.responsesTable();
    const plan: FaultPlan = { throttle: 0.4, lostReply: 0.1 };
    const { client, counters } = faultyDynamoClient(plan, { endpoint: dynamo.endpoint, maxAttempts: 2, random: seededRandom(7) });
    const store = new DynamoResponseStore(client, table);
    const { queue, cleanup } = await openTestQueue(kind, redis, { name: 'faults', redisVisibilityMs: 10_000, sqsVisibilitySeconds: 10 });
    const sink = new QueuedResponseSink(store, queue);
    const digester = new Digester(queue, store, { baseDelayMs: 20, maxDelayMs: 200, idleMs: 20, random: seededRandom(11) });
    try {
      const responses = [...manyResponses(90), ...manyResponses(30, { appId: 'app-2' })];
      // The driver's view: batches of responses, each write resolving (durable) before its checkpoint.
      digester.start();
      for (let i = 0; i < responses.length; i += 10) await sink.write(responses.slice(i, i + 10));
      expect(sink.stats.queued).toBeGreaterThan(0);
      expect(sink.stats.rejected).toBe(0);

      // DynamoDB scales up halfway through the digester's retries.
      await waitFor('a retry under throttling', async () => digester.stats.retried > 0 || (await queue.depth()) === 0, 10_000, 20);
      plan.throttle = 0;
      plan.lostReply = 0;
      await waitFor('the retry queue to drain', async () => (await queue.depth()) === 0, 10_000, 20);
      await digester.stop();

      const reader = new DynamoResponseStore(dynamo.client(), table);
      for (const [appId, count] of [['app-1', 90], ['app-2', 30]] as const) {
        const feed = await reader.changes(appId, null, 1000);
        expect(feed).toHaveLength(count);
        expect(new Set(feed.map((r) => r.id))).toEqual(new Set(responses.filter((r) => r.appId === appId).map((r) => r.id)));
      }
      expect(counters.throttled).toBeGreaterThan(0);
      expect(counters.lostReplies).toBeGreaterThan(0);
      // Each queued response was acknowledged once: when it landed, or when its landed write's reply had been lost.
      expect(digester.stats.landed + digester.stats.existed).toBe(sink.stats.queued);
      expect(await queue.depth()).toBe(0);
    } finally {
      await digester.stop();
      client.destroy();
      await cleanup();
    }
  });
});

describe('without a retry queue', () => {
  it('write rejects while DynamoDB throttles, and the driver’s retry writes only what is missing', async () => {
    const table = await dynamo.responsesTable();
    const plan: FaultPlan = { throttle: 0.5, lostReply: 0 };
    const { client } = faultyDynamoClient(plan, { endpoint: dynamo.endpoint, maxAttempts: 1, random: seededRandom(3) });
    const store = new DynamoResponseStore(client, table);
    const sink = new QueuedResponseSink(store, undefined);
    const batch = manyResponses(20);

    const error = await sink.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseWriteError);
    const unwritten = (error as ResponseWriteError).failed.length;
    expect(unwritten).toBeGreaterThan(0);
    expect(unwritten).toBeLessThan(20);

    plan.throttle = 0;
    await sink.write(batch);
    expect(store.stats).toMatchObject({ written: 20, existed: 20 - unwritten });
    expect(await store.changes('app-1', null, 100)).toHaveLength(20);
    client.destroy();
  });

  it('write rejects when the queue refuses too, naming both failures', async () => {
    const table = await dynamo.responsesTable();
    const { client } = faultyDynamoClient({ throttle: 1, lostReply: 0 }, { endpoint: dynamo.endpoint, maxAttempts: 1 });
    const broken: RetryQueue = {
      kind: 'redis',
      enqueue: () => Promise.reject(new Error('Connection is closed.')),
      receive: async () => [],
      ack: async () => {},
      retryLater: async () => {},
      depth: async () => 0,
      close: async () => {},
    };
    const sink = new QueuedResponseSink(new DynamoResponseStore(client, table), broken);
    await expect(sink.write([makeResponse()])).rejects.toThrow(/1 response write\(s\) failed .*retry queue refused them too: Error: Connection is closed/);
    expect(sink.stats).toMatchObject({ queued: 0, rejected: 1 });
    client.destroy();
  });
});
