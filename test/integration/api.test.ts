/**
 * The ingest and agent APIs end to end on local services: dynalite (apps and responses tables),
 * kinesalite (the stream) and Redis (read cache, change feed), with two API instances sharing them
 * as two API processes would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureStream } from '../../src/aws/stream';
import { appsTable, ensureTable } from '../../src/aws/tables';
import type { AgentResponse } from '../../src/api/agent-view';
import { DynamoRegistryStore } from '../../src/registry/dynamo-store';
import { AppRegistry } from '../../src/registry/registry';
import { builtInDetectors } from '../../detectors';
import { ADMIN_TOKEN, bearer } from '../helpers/api-harness';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { readStream, startLocalKinesis, type LocalKinesis } from '../helpers/local-kinesis';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { faultyDynamoClient, type FaultPlan } from '../helpers/dynamo-faults';
import { Digester } from '../../src/retry/digester';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import { makeResponse } from '../helpers/responses';
import { loginFailure, times } from '../../src/testing/factories';
import type { KinesisClient } from '@aws-sdk/client-kinesis';

let dynamo: LocalDynamo;
let dynamoClient: DynamoDBClient;
let kinesis: LocalKinesis;
let kinesisClient: KinesisClient;
let registry: AppRegistry;
let tokens: Record<string, string>;
let one: ApiStack;
let two: ApiStack;
let queries = 0;
const prefix = uniquePrefix('api');
const STREAM = `events-${process.pid}`;

beforeAll(async () => {
  dynamo = await startDynalite();
  dynamoClient = dynamo.client();
  // Counts the responses table's queries, to see what the cache spares DynamoDB.
  dynamoClient.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'QueryCommand') queries++;
    return next(args);
  }, { step: 'initialize', name: 'countQueries' });
  kinesis = await startLocalKinesis();
  kinesisClient = kinesis.client();
  await ensureStream(kinesisClient, STREAM, 2);
  await ensureTable(dynamoClient, appsTable('apps'));
  const responsesTable = await dynamo.responsesTable();
  registry = new AppRegistry(new DynamoRegistryStore(dynamoClient, 'apps'), builtInDetectors);
  tokens = { shop: (await registry.add('shop')).token, blog: (await registry.add('blog')).token };
  const options = { dynamo: dynamoClient, kinesis: kinesisClient, appsTable: 'apps', responsesTable, streamName: STREAM, redisPrefix: prefix };
  one = await startApiStack(options);
  two = await startApiStack(options);
});

afterAll(async () => {
  await one.close();
  await two.close();
  const redis = connectRedis();
  await deletePrefix(redis, prefix.replace(/:$/, ''));
  const left = await redis.keys(`${prefix}*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
  await kinesis.close();
  await dynamo.close();
});

interface Page {
  responses: AgentResponse[];
  cursor: string;
}

async function agentGet(stack: ApiStack, appId: string, url: string) {
  const response = await stack.app.inject({ method: 'GET', url, headers: bearer(tokens[appId] as string) });
  expect(response.statusCode).toBe(200);
  return response.json() as Page;
}

const targets = (page: Page) => page.responses.map((r) => r.target.value).sort();

test('events posted through the ingest API reach the stream, keyed by application', async () => {
  const shopEvents = times(30, (i) => ({ ...loginFailure({ ip: `203.0.113.${i}`, at: i }), id: `shop-agent:${i}` }));
  const blogEvents = times(5, (i) => ({ ...loginFailure({ ip: `198.51.100.${i}`, at: i }), id: `blog-agent:${i}` }));
  for (const [stack, appId, events] of [[one, 'shop', shopEvents], [two, 'blog', blogEvents]] as const) {
    const response = await stack.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(tokens[appId] as string), payload: { events } });
    expect(response.json()).toEqual({ accepted: events.length, rejected: [] });
  }
  const records = await readStream(kinesisClient, STREAM);
  const byApp = (appId: string) => records.filter((r) => r.partitionKey === appId).map((r) => JSON.parse(r.data.toString()) as { id: string; appId: string });
  expect(byApp('shop').map((e) => e.id).sort()).toEqual(shopEvents.map((e) => e.id).sort());
  expect(byApp('blog').map((e) => e.id).sort()).toEqual(blogEvents.map((e) => e.id).sort());
  expect(byApp('shop').every((e) => e.appId === 'shop')).toBe(true);
  // One partition key, one shard: every report of an application reaches the same processor, in order.
  expect(new Set(records.filter((r) => r.partitionKey === 'shop').map((r) => r.shardId)).size).toBe(1);
});

test('responses written through the store are served to their application only, from either instance', async () => {
  const now = Date.now();
  await one.sink.write([
    makeResponse({ appId: 'shop', ip: '203.0.113.7', createdAtMs: now }),
    makeResponse({ appId: 'shop', ip: '203.0.113.8', createdAtMs: now, simulated: true }),
    makeResponse({ appId: 'blog', ip: '198.51.100.9', createdAtMs: now }),
  ]);
  for (const stack of [one, two]) {
    expect(targets(await agentGet(stack, 'shop', '/v1/agent/responses'))).toEqual(['203.0.113.7', '203.0.113.8']);
    expect(targets(await agentGet(stack, 'blog', '/v1/agent/responses'))).toEqual(['198.51.100.9']);
    expect(targets(await agentGet(stack, 'blog', '/v1/agent/rules'))).toEqual(['198.51.100.9']);
  }
  const simulated = (await agentGet(two, 'shop', '/v1/agent/responses')).responses.find((r) => r.target.value === '203.0.113.8');
  expect(simulated?.simulated).toBe(true);
});

test('reads are cached in Redis across instances and dropped when a response of the application is written', async () => {
  await one.sink.write([makeResponse({ appId: 'shop', ip: '203.0.113.20', createdAtMs: Date.now() })]);
  const before = queries;
  await agentGet(one, 'shop', '/v1/agent/responses');
  const afterMiss = queries;
  await agentGet(two, 'shop', '/v1/agent/responses');
  await agentGet(one, 'shop', '/v1/agent/responses');
  expect(afterMiss - before).toBe(1);
  expect(queries).toBe(afterMiss);
  await two.sink.write([makeResponse({ appId: 'shop', ip: '203.0.113.21', createdAtMs: Date.now() })]);
  expect(targets(await agentGet(one, 'shop', '/v1/agent/responses'))).toContain('203.0.113.21');
  expect(queries).toBe(afterMiss + 1);
  const metrics = await one.metrics.metrics();
  expect(metrics).toMatch(/riposte_agent_cache_reads_total\{outcome="hit"\} [1-9]/);
  expect(metrics).toMatch(/riposte_agent_cache_reads_total\{outcome="miss"\} [1-9]/);
});

test('a revoked response disappears from the next fetch on every instance and comes through the feed as revoked', async () => {
  const ban = makeResponse({ appId: 'shop', ip: '203.0.113.30', createdAtMs: Date.now() });
  await one.sink.write([ban]);
  const before = await agentGet(two, 'shop', '/v1/agent/responses');
  expect(targets(before)).toContain('203.0.113.30');
  const etag = (await two.app.inject({ method: 'GET', url: '/v1/agent/rules', headers: bearer(tokens.shop as string) })).headers.etag as string;

  const revoke = await one.app.inject({ method: 'POST', url: `/v1/admin/apps/shop/responses/${ban.id}/revoke`, headers: bearer(ADMIN_TOKEN) });
  expect(revoke.statusCode).toBe(200);

  for (const stack of [one, two]) {
    expect(targets(await agentGet(stack, 'shop', '/v1/agent/responses'))).not.toContain('203.0.113.30');
    const rules = await stack.app.inject({ method: 'GET', url: '/v1/agent/rules', headers: { ...bearer(tokens.shop as string), 'if-none-match': etag } });
    expect(rules.statusCode).toBe(200);
    expect(targets(rules.json() as Page)).not.toContain('203.0.113.30');
  }
  const feed = await agentGet(two, 'shop', `/v1/agent/responses?since=${before.cursor}`);
  expect(feed.responses.find((r) => r.id === ban.id)?.status).toBe('revoked');
});

test('a long-poll on one instance wakes within a second of a write made through the other', async () => {
  for (const [waitOn, writeThrough] of [[one, two], [two, one]] as const) {
    const { cursor } = await agentGet(waitOn, 'blog', '/v1/agent/responses');
    const waiters = [1, 2].map(() => waitOn.app.inject({ method: 'GET', url: `/v1/agent/responses?since=${cursor}&wait=20`, headers: bearer(tokens.blog as string) }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ip = `198.51.100.${writeThrough === one ? 101 : 102}`;
    const written = Date.now();
    await writeThrough.sink.write([makeResponse({ appId: 'blog', ip, createdAtMs: written })]);
    const writeDone = Date.now();
    for (const waiter of waiters) {
      const page = (await waiter).json() as Page;
      expect(targets(page)).toContain(ip);
    }
    const latency = Date.now() - writeDone;
    expect(latency).toBeLessThan(1000);
  }
});

test('a long-poll wakes when a response is revoked through the other instance', async () => {
  const ban = makeResponse({ appId: 'blog', ip: '198.51.100.120', createdAtMs: Date.now() });
  await one.sink.write([ban]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { cursor } = await agentGet(one, 'blog', '/v1/agent/responses');
  // Consume the write itself first, so the wait below is for the revoke.
  const settled = await agentGet(one, 'blog', `/v1/agent/responses?since=${cursor}`);
  const waiting = one.app.inject({ method: 'GET', url: `/v1/agent/responses?since=${settled.cursor}&wait=20`, headers: bearer(tokens.blog as string) });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  await two.app.inject({ method: 'POST', url: `/v1/admin/apps/blog/responses/${ban.id}/revoke`, headers: bearer(ADMIN_TOKEN) });
  const page = (await waiting).json() as Page;
  expect(Date.now() - started).toBeLessThan(1000);
  expect(page.responses.find((r) => r.id === ban.id)?.status).toBe('revoked');
});

test('a new application and a rotated token reach a running server within 5 seconds', async () => {
  const stack = await startApiStack({
    dynamo: dynamoClient,
    kinesis: kinesisClient,
    appsTable: 'apps',
    responsesTable: one.store.tableName,
    streamName: STREAM,
    redisPrefix: prefix,
    refreshMs: 2000,
  });
  try {
    const { token } = await registry.add('newcomer');
    const started = Date.now();
    const statusOf = async (t: string) => (await stack.app.inject({ method: 'GET', url: '/v1/agent/responses', headers: bearer(t) })).statusCode;
    while ((await statusOf(token)) !== 200) {
      expect(Date.now() - started).toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rotated = await registry.rotate('newcomer');
    const rotatedAt = Date.now();
    while ((await statusOf(token)) !== 401) {
      expect(Date.now() - rotatedAt).toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await statusOf(rotated.token)).toBe(200);
  } finally {
    await stack.close();
  }
});

test('a response whose write was throttled wakes the long-poll when the digester lands it', async () => {
  const plan: FaultPlan = { throttle: 1, lostReply: 0 };
  const faulty = faultyDynamoClient(plan, { endpoint: dynamo.endpoint, maxAttempts: 1 });
  const queuePrefix = uniquePrefix('api-retry');
  const queue = new RedisRetryQueue(TEST_REDIS_URL, { prefix: queuePrefix });
  const writerSide = await startApiStack({
    dynamo: dynamoClient,
    store: faulty.client,
    kinesis: kinesisClient,
    appsTable: 'apps',
    responsesTable: one.store.tableName,
    streamName: STREAM,
    redisPrefix: prefix,
    retryQueue: queue,
  });
  const digester = new Digester(queue, writerSide.writer, { baseDelayMs: 20, idleMs: 20 });
  try {
    const { cursor } = await agentGet(one, 'blog', '/v1/agent/responses');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = one.app.inject({ method: 'GET', url: `/v1/agent/responses?since=${cursor}&wait=20`, headers: bearer(tokens.blog as string) });
    const ban = makeResponse({ appId: 'blog', ip: '198.51.100.200', createdAtMs: Date.now() });
    await writerSide.sink.write([ban]); // throttled: queued, and nobody is woken for what is not in the table
    expect(faulty.counters.throttled).toBeGreaterThan(0);
    expect(await one.store.get('blog', ban.id)).toBeUndefined();
    plan.throttle = 0;
    const started = Date.now();
    digester.start();
    const page = (await waiting).json() as Page;
    expect(page.responses.map((r) => r.id)).toContain(ban.id);
    expect(Date.now() - started).toBeLessThan(2000);
  } finally {
    await digester.stop();
    await queue.close();
    await writerSide.close();
    const redis = connectRedis();
    await deletePrefix(redis, queuePrefix);
    await redis.quit();
    faulty.client.destroy();
  }
});
