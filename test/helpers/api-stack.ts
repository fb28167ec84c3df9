/**
 * The API as production composes it, on local services: the registry in a DynamoDB apps table and
 * the responses in a DynamoDB responses table (dynalite), events on a Kinesis stream (kinesalite),
 * the read cache and change feed in Redis. Several stacks may share all of them, as several API
 * processes of one deployment do.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildApi } from '../../src/api/app';
import { KinesisEventPublisher } from '../../src/api/event-publisher';
import { createApiMetrics } from '../../src/api/http-metrics';
import { NotifyingResponseSink } from '../../src/cache/notifying-sink';
import { openResponseChanges } from '../../src/cache/open';
import type { ResponseCache } from '../../src/cache/response-cache';
import { DynamoRegistryStore } from '../../src/registry/dynamo-store';
import { RegistryWatcher } from '../../src/registry/watcher';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { ADMIN_TOKEN } from './api-harness';
import { TEST_REDIS_URL } from './redis';

export interface StackOptions {
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  appsTable: string;
  responsesTable: string;
  streamName: string;
  redisPrefix: string;
  refreshMs?: number;
}

export interface ApiStack {
  app: FastifyInstance;
  store: DynamoResponseStore;
  /** The engine's sink as the lead wires it: the store, then invalidate and wake. */
  sink: NotifyingResponseSink;
  watcher: RegistryWatcher;
  cache: ResponseCache;
  metrics: Registry;
  close(): Promise<void>;
}

export async function startApiStack(o: StackOptions): Promise<ApiStack> {
  const metrics = new Registry();
  const watcher = new RegistryWatcher(new DynamoRegistryStore(o.dynamo, o.appsTable), { refreshMs: o.refreshMs ?? 100 });
  await watcher.start();
  const store = new DynamoResponseStore(o.dynamo, o.responsesTable);
  const { cache, feed, notifier, close } = await openResponseChanges(TEST_REDIS_URL, { prefix: o.redisPrefix, cacheReads: createApiMetrics(metrics).cacheReads });
  const app = buildApi({
    registry: watcher,
    publisher: new KinesisEventPublisher(o.kinesis, o.streamName),
    reader: store,
    cache,
    feed,
    notifier,
    adminToken: ADMIN_TOKEN,
    metrics,
  });
  await app.ready();
  return {
    app,
    store,
    sink: new NotifyingResponseSink(store, notifier),
    watcher,
    cache,
    metrics,
    close: async () => {
      watcher.stop();
      await app.close();
      await close();
    },
  };
}
