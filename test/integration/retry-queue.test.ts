/**
 * The retry queue's contract, run against both backends: Redis for real, and SQS through FakeSqs,
 * which plays the AWS JSON protocol (see test/helpers/fake-sqs.ts for the sources of every shape).
 * Time-dependent cases move the SQS clock forward; Redis runs on its own clock with short timeouts.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type Redis from 'ioredis';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import { encodeResponse } from '../../src/retry/retry-queue';
import { SqsRetryQueue } from '../../src/retry/sqs-queue';
import { FakeSqs } from '../helpers/fake-sqs';
import { connectRedis, deletePrefix, uniquePrefix } from '../helpers/redis';
import { makeResponse, manyResponses } from '../helpers/responses';
import { openTestQueue, type QueueKind, type TestQueue } from '../helpers/retry-queues';

let redis: Redis;
beforeAll(() => {
  redis = connectRedis();
});
afterAll(async () => {
  await redis.quit();
});

describe.each<QueueKind>(['redis', 'sqs'])('%s retry queue', (kind) => {
  let b: TestQueue;
  beforeEach(async () => {
    b = await openTestQueue(kind, redis, { name: 'queue', redisVisibilityMs: 150, sqsVisibilitySeconds: 30 });
  });
  afterEach(async () => {
    await b.cleanup();
  });

  it('delivers each enqueued response once, as its JSON, on the first receive', async () => {
    const batch = manyResponses(7);
    await b.queue.enqueue(batch);
    const got = [...(await b.queue.receive(10)), ...(await b.queue.receive(10))];
    expect(got.map((d) => d.body).sort()).toEqual(batch.map(encodeResponse).sort());
    expect(got.every((d) => d.receiveCount === 1)).toBe(true);
  });

  it('hides a received message until its visibility timeout ends, then delivers it again', async () => {
    await b.queue.enqueue([makeResponse()]);
    const [first] = await b.queue.receive(10);
    expect(await b.queue.receive(10)).toEqual([]);
    await b.pass(b.visibilityMs + 50);
    const again = await b.queue.receive(10);
    expect(again.map((d) => [d.body, d.receiveCount])).toEqual([[first!.body, 2]]);
  });

  it('an acknowledged message is gone for good and the depth returns to zero', async () => {
    await b.queue.enqueue(manyResponses(3));
    expect(await b.queue.depth()).toBe(3);
    for (const d of await b.queue.receive(10)) await b.queue.ack(d);
    await b.pass(b.visibilityMs + 50);
    expect(await b.queue.receive(10)).toEqual([]);
    expect(await b.queue.depth()).toBe(0);
  });

  it('counts in-flight messages in the depth', async () => {
    await b.queue.enqueue(manyResponses(2));
    await b.queue.receive(1);
    expect(await b.queue.depth()).toBe(2);
  });

  it('retryLater hides the message for the delay, then it comes back', async () => {
    await b.queue.enqueue([makeResponse()]);
    const [d] = await b.queue.receive(10);
    await b.queue.retryLater(d!, kind === 'sqs' ? 2000 : 60);
    expect(await b.queue.receive(10)).toEqual([]);
    await b.pass(kind === 'sqs' ? 2100 : 120);
    expect((await b.queue.receive(10)).map((x) => x.receiveCount)).toEqual([2]);
  });

  it('an acknowledgement with a stale handle (the message was received again since) does not lose it', async () => {
    await b.queue.enqueue([makeResponse()]);
    const [stale] = await b.queue.receive(10);
    await b.pass(b.visibilityMs + 50);
    const [current] = await b.queue.receive(10);
    await b.queue.retryLater(stale!, 0).catch(() => undefined); // SQS refuses it (not in flight under this handle)
    expect(await b.queue.receive(10)).toEqual([]); // the stale holder could not make it visible again
    await b.queue.ack(current!);
    expect(await b.queue.depth()).toBe(0);
  });
});

describe('redis retry queue specifics', () => {
  it('a response queued twice (a replay) is one entry', async () => {
    const prefix = uniquePrefix('dedupe');
    const queue = new RedisRetryQueue(redis, { prefix });
    try {
      const r = makeResponse();
      await queue.enqueue([r]);
      await queue.enqueue([r, r]);
      expect(await queue.depth()).toBe(1);
    } finally {
      await deletePrefix(redis, prefix);
    }
  });

  it('keeps its keys under one hash tag, so the scripts run on Redis Cluster', async () => {
    const prefix = uniquePrefix('keys');
    const queue = new RedisRetryQueue(redis, { prefix });
    try {
      await queue.enqueue([makeResponse()]);
      await queue.receive(1);
      expect((await redis.keys(`*${prefix}*`)).sort()).toEqual([`{${prefix}}:body`, `{${prefix}}:due`, `{${prefix}}:receives`]);
    } finally {
      await deletePrefix(redis, prefix);
    }
  });
});

describe('sqs retry queue on the wire', () => {
  let fake: FakeSqs;
  let client: SQSClient;
  beforeEach(async () => {
    fake = await new FakeSqs().start();
    client = fake.client({ region: 'eu-west-1', maxAttempts: 1 });
  });
  afterEach(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  it('sends the operations and members of the AWS JSON protocol', async () => {
    const queue = new SqsRetryQueue(client, fake.queueUrl, { visibilityTimeoutSeconds: 45, waitTimeSeconds: 0 });
    const r = makeResponse();
    await queue.enqueue([r]);
    const [d] = await queue.receive(25);
    await queue.retryLater(d!, 1500);
    fake.advance(2000);
    const [d2] = await queue.receive(1);
    await queue.ack(d2!);
    await queue.depth();

    expect(fake.violations).toEqual([]);
    expect(fake.requests.map((q) => [q.target, q.body])).toEqual([
      ['SendMessage', { QueueUrl: fake.queueUrl, MessageBody: encodeResponse(r) }],
      ['ReceiveMessage', { QueueUrl: fake.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 45, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }],
      ['ChangeMessageVisibility', { QueueUrl: fake.queueUrl, ReceiptHandle: d!.handle, VisibilityTimeout: 2 }],
      ['ReceiveMessage', { QueueUrl: fake.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 45, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }],
      ['DeleteMessage', { QueueUrl: fake.queueUrl, ReceiptHandle: d2!.handle }],
      ['GetQueueAttributes', { QueueUrl: fake.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }],
    ]);
    expect(fake.requests.every((q) => q.headers['x-amz-target'] === `AmazonSQS.${q.target}`)).toBe(true);
  });

  it('a send that SQS refuses rejects enqueue, with the error SQS named', async () => {
    const queue = new SqsRetryQueue(client, `${fake.endpoint}/000000000000/no-such-queue`, { waitTimeSeconds: 0 });
    await expect(queue.enqueue([makeResponse()])).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('a long poll returns as soon as a message is sent', async () => {
    const queue = new SqsRetryQueue(client, fake.queueUrl, { waitTimeSeconds: 5 });
    const started = Date.now();
    const polling = queue.receive(10);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.enqueue([makeResponse()]);
    expect(await polling).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each([
    ['visibilityTimeoutSeconds', { visibilityTimeoutSeconds: 43_201 }, /visibilityTimeoutSeconds: 43201 .* 0 to 43200/],
    ['waitTimeSeconds', { waitTimeSeconds: 21 }, /waitTimeSeconds: 21 .* 0 to 20/],
  ])('refuses %s outside what SQS accepts', (_name, options, message) => {
    expect(() => new SqsRetryQueue(client, fake.queueUrl, options)).toThrow(message);
  });
});
