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
import { NotifyingSettledWriter } from '../../src/cache/response-change-notifier';
import { openResponseChanges, type ResponseChanges } from '../../src/cache/open';
import type { RetryQueue } from '../../src/retry/retry-queue';
import { QueuedResponseSink } from '../../src/retry/queued-sink';
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
  retryQueue?: RetryQueue;
  /** The client the store writes and reads with (e.g. one that injects throttling); `dynamo` by default. */
  store?: DynamoDBClient;
}

export interface ApiStack {
  app: FastifyInstance;
  store: DynamoResponseStore;
  /** The engine's sink as production wires it: the store's writes notify as they land. */
  sink: QueuedResponseSink;
  /** The store behind a notifying decorator: what the queued sink and the digester write through. */
  writer: NotifyingSettledWriter;
  changes: ResponseChanges;
  watcher: RegistryWatcher;
  cache: ResponseCache;
  metrics: Registry;
  close(): Promise<void>;
}

export async function startApiStack(o: StackOptions): Promise<ApiStack> {
  const metrics = new Registry();
  const watcher = new RegistryWatcher(new DynamoRegistryStore(o.dynamo, o.appsTable), { refreshMs: o.refreshMs ?? 100 });
  await watcher.start();
  const store = new DynamoResponseStore(o.store ?? o.dynamo, o.responsesTable);
  const changes = await openResponseChanges(TEST_REDIS_URL, { prefix: o.redisPrefix, cacheReads: createApiMetrics(metrics).cacheReads });
  const app = buildApi({
    registry: watcher,
    publisher: new KinesisEventPublisher(o.kinesis, o.streamName),
    reader: store,
    cache: changes.cache,
    feed: changes.feed,
    notifier: changes.notifier,
    adminToken: ADMIN_TOKEN,
    metrics,
  });
  await app.ready();
  const writer = new NotifyingSettledWriter(store, changes.notifier);
  return {
    app,
    store,
    sink: new QueuedResponseSink(writer, o.retryQueue),
    writer,
    changes,
    watcher,
    cache: changes.cache,
    metrics,
    close: async () => {
      watcher.stop();
      await app.close();
      await changes.close();
    },
  };
}
