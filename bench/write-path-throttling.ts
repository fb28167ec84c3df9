/**
 * The response write path under injected DynamoDB throttling: how much slower the driver's writes
 * get, how many responses go through the retry queue, and how long the digester takes to drain it
 * while the throttling goes on. Each scenario is compared with the unthrottled baseline run in the
 * same process, on the same dynalite and Redis, with the SDK's standard retry strategy (exponential
 * backoff with jitter, 500 ms base for throttling errors, retry quota): 3 attempts (the SDK's
 * default), 2, and 1 (no SDK retry: a throttled write goes straight to the retry queue).
 *
 *   npm run bench:write-path -- [responses=300] [batch=20]
 */
import { DynamoResponseStore } from '../src/sinks/dynamodb/responses-store';
import { QueuedResponseSink } from '../src/retry/queued-sink';
import { Digester } from '../src/retry/digester';
import { RedisRetryQueue } from '../src/retry/redis-queue';
import { faultyDynamoClient } from '../test/helpers/dynamo-faults';
import { startDynalite } from '../test/helpers/dynalite';
import { connectRedis, deletePrefix, uniquePrefix } from '../test/helpers/redis';
import { manyResponses } from '../test/helpers/responses';

interface Row {
  throttle: number;
  sdkAttempts: number;
  writeMs: number;
  ratio: number;
  attempts: number;
  /** Attempts and throttles of the driver's writes (the digester's come on top). */
  throttled: number;
  queued: number;
  drainMs: number;
  digesterAttempts: number;
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 300);
  const batchSize = Number(process.argv[3] ?? 20);
  const dynamo = await startDynalite();
  const redis = connectRedis();
  const rows: Row[] = [];
  try {
    let baselineMs = 0;
    const scenarios: [throttle: number, sdkAttempts: number][] = [[0, 3], [0, 3], [0.1, 3], [0.3, 3], [0.5, 3], [0.1, 2], [0.3, 2], [0.5, 2], [0.1, 1], [0.3, 1], [0.5, 1]];
    for (const [throttle, sdkAttempts] of scenarios) {
      const table = await dynamo.responsesTable();
      const plan = { throttle, lostReply: 0 };
      const { client, counters } = faultyDynamoClient(plan, { endpoint: dynamo.endpoint, sdkBackoff: true, maxAttempts: sdkAttempts });
      const store = new DynamoResponseStore(client, table);
      const prefix = uniquePrefix('bench');
      const queue = new RedisRetryQueue(redis, { prefix, visibilityTimeoutMs: 30_000 });
      const sink = new QueuedResponseSink(store, queue);
      const responses = manyResponses(total);

      const started = performance.now();
      for (let i = 0; i < responses.length; i += batchSize) await sink.write(responses.slice(i, i + batchSize));
      const writeMs = performance.now() - started;
      const attemptsByDriver = counters.attempts;
      const throttledByDriver = counters.throttled;

      const digester = new Digester(queue, new DynamoResponseStore(client, table), { baseDelayMs: 100, maxDelayMs: 2000, idleMs: 10 });
      const drainStarted = performance.now();
      digester.start();
      while ((await queue.depth()) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const drainMs = performance.now() - drainStarted;
      await digester.stop();

      const landed = (await new DynamoResponseStore(dynamo.client(), table).changes('app-1', null, total + 1)).length;
      if (landed !== total) throw new Error(`throttle ${throttle}: ${landed} of ${total} responses in the table`);
      // The first run warms the process up (JIT, connections); the second is the baseline.
      if (throttle === 0) baselineMs = writeMs;
      rows.push({
        throttle,
        sdkAttempts,
        writeMs: Math.round(writeMs),
        ratio: Number((writeMs / baselineMs).toFixed(2)),
        attempts: attemptsByDriver,
        throttled: throttledByDriver,
        queued: sink.stats.queued,
        drainMs: Math.round(drainMs),
        digesterAttempts: digester.stats.received,
      });
      client.destroy();
      await deletePrefix(redis, prefix);
    }
  } finally {
    await redis.quit();
    await dynamo.close();
  }
  console.log(`${total} responses in batches of ${batchSize}; SDK standard retry strategy; digester backoff 100 ms doubling to 2 s; throttling continues while it drains`);
  console.table(rows.slice(1));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
