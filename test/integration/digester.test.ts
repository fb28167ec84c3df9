/**
 * The digester: backoff, poison messages, and a crash mid-retry — a digester process killed with
 * SIGKILL while it holds messages (some of whose writes had landed, some not) loses nothing: a new
 * digester lands every response once and the queue drains.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { DynamoResponseStore, type PutOutcome } from '../../src/sinks/dynamodb/responses-store';
import { Digester } from '../../src/retry/digester';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import type { RetryQueue } from '../../src/retry/retry-queue';
import type { SecurityResponse } from '../../src/core/response';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis';
import { manyResponses } from '../helpers/responses';
import { openTestQueue } from '../helpers/retry-queues';
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


describe('backoff', () => {
  const digester = new Digester({} as RetryQueue, { writeSettled: async () => [] }, { baseDelayMs: 1000, maxDelayMs: 60_000, random: () => 0.999999 });
  it.each([
    [1, 1000],
    [2, 2000],
    [5, 16_000],
    [7, 60_000],
    [1000, 60_000],
  ])('after receive %i the delay is at most %i ms', (receiveCount, ceiling) => {
    expect(digester.delayAfter(receiveCount)).toBe(ceiling);
  });

  it('jitters between half the ceiling and the ceiling', () => {
    const low = new Digester({} as RetryQueue, { writeSettled: async () => [] }, { baseDelayMs: 1000, random: () => 0 });
    expect(low.delayAfter(3)).toBe(2000);
  });
});

describe('one round', () => {
  let prefix: string;
  let queue: RedisRetryQueue;
  beforeEach(() => {
    prefix = uniquePrefix('digester');
    queue = new RedisRetryQueue(redis, { prefix, visibilityTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
  });

  /** A store double whose outcome per response id is scripted: the digester's decisions are what is under test. */
  function scripted(outcomes: Record<string, PutOutcome['status']>) {
    return {
      calls: [] as string[],
      async writeSettled(responses: readonly SecurityResponse[]): Promise<PutOutcome[]> {
        this.calls.push(...responses.map((r) => r.id));
        return responses.map((response) => {
          const status = outcomes[response.id] ?? 'written';
          return status === 'failed' ? { response, status, error: new Error('throttled') } : { response, status };
        });
      },
    };
  }

  it('acknowledges what landed or was there, and delays what failed', async () => {
    const [landed, existed, failed] = manyResponses(3);
    const store = scripted({ [existed!.id]: 'exists', [failed!.id]: 'failed' });
    await queue.enqueue([landed!, existed!, failed!]);
    const told: string[] = [];
    const digester = new Digester(queue, store, { baseDelayMs: 60, onLanded: async (rs) => void told.push(...rs.map((r) => r.id)) });

    expect(await digester.runOnce()).toBe(3);
    expect(digester.stats).toMatchObject({ received: 3, landed: 1, existed: 1, retried: 1 });
    expect(told.sort()).toEqual([landed!.id, existed!.id].sort()); // what is in the table now, for the agent API's cache
    expect(await queue.depth()).toBe(1);
    expect(await queue.receive(10)).toEqual([]); // delayed, not visible yet
    await waitFor('the delayed message to come back', async () => (await digester.runOnce()) === 1, 2000, 20);
    expect(store.calls.filter((id) => id === failed!.id)).toHaveLength(2);
  });

  it('keeps a message that is not a response, at the longest delay, and logs why', async () => {
    await redis.hset(`{${prefix}}:body`, 'app-1\nbogus', '{"id":"x"}');
    await redis.zadd(`{${prefix}}:due`, 0, 'app-1\nbogus');
    const logged: object[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (o: object) => void logged.push(o) };
    const digester = new Digester(queue, scripted({}), { logger, maxDelayMs: 60_000 });

    await digester.runOnce();
    expect(digester.stats.invalid).toBe(1);
    expect(await queue.depth()).toBe(1);
    expect(await queue.receive(10)).toEqual([]);
    expect(logged).toEqual([expect.objectContaining({ problem: expect.stringMatching(/^appId: .*; action: /) })]);
  });
});

describe.each(['redis', 'sqs'] as const)('a %s digester killed mid-retry', (kind) => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  it('loses nothing: a new digester lands every response once', async () => {
    const table = await dynamo.responsesTable();
    const responses = manyResponses(25);
    const opened = await openTestQueue(kind, redis, { name: 'crash', redisVisibilityMs: 2000, sqsVisibilitySeconds: 30 });
    const { queue, fake } = opened;
    try {
      await queue.enqueue(responses);

      // A digester process takes 10 messages; its 8 puts in flight hang (4 after landing), then it is killed.
      child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../helpers/digester-child.ts')], {
        env: {
          ...process.env,
          DYNAMO_ENDPOINT: dynamo.endpoint,
          TABLE: table,
          QUEUE: kind,
          REDIS_URL: TEST_REDIS_URL,
          PREFIX: opened.redisPrefix ?? '',
          SQS_ENDPOINT: fake?.endpoint ?? '',
          SQS_QUEUE_URL: fake?.queueUrl ?? '',
          VISIBILITY: kind === 'sqs' ? '30' : '2000',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let report = { attempts: 0, hung: 0, received: 0 };
      createInterface({ input: child.stdout! }).on('line', (line) => (report = JSON.parse(line) as typeof report));
      await waitFor('the child digester to hold its messages', () => report.received === 10 && report.hung === 8, 15_000, 20);
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));

      const reader = new DynamoResponseStore(dynamo.client(), table);
      const landedBeforeCrash = (await reader.changes('app-1', null, 100)).length;
      expect(landedBeforeCrash).toBe(4);
      expect(await queue.depth()).toBe(25);

      // The killed digester's messages are still leased; the others are due now.
      const digester = new Digester(opened.open(), new DynamoResponseStore(dynamo.client(), table), { idleMs: 20 });
      digester.start();
      await waitFor('the messages nobody held', async () => digester.stats.landed === 15, 10_000, 20);
      expect(await queue.depth()).toBe(10);
      if (fake !== undefined) fake.advance(30_000); // Redis: its own clock runs out the 2 s lease
      await waitFor('the killed digester’s messages', async () => (await queue.depth()) === 0, 10_000, 20);
      await digester.stop();

      expect(digester.stats).toMatchObject({ landed: 21, existed: 4, retried: 0 });
      const feed = await reader.changes('app-1', null, 100);
      expect(new Set(feed.map((r) => r.id))).toEqual(new Set(responses.map((r) => r.id)));
      expect(feed).toHaveLength(25);
    } finally {
      await opened.cleanup();
    }
  });
});

describe('a fault that is not the queue', () => {
  it('ends the loop and reaches onFailed (a store that throws instead of reporting outcomes: a bug), while the queue keeps the message', async () => {
    const prefix = uniquePrefix('digester-fault');
    const queue = new RedisRetryQueue(redis, { prefix, visibilityTimeoutMs: 10_000 });
    try {
      await queue.enqueue(manyResponses(1));
      const bug = new TypeError("Cannot read properties of undefined (reading 'status')");
      let failed: (error: unknown) => void = () => undefined;
      const reported = new Promise<unknown>((resolve) => (failed = resolve));
      const digester = new Digester(queue, { writeSettled: async () => Promise.reject(bug) }, { idleMs: 10, onFailed: failed, logger: { debug() {}, info() {}, warn() {}, error() {} } });
      digester.start();
      expect(await reported).toBe(bug);
      await digester.stop();
      expect(digester.stats.queueErrors).toBe(0);
      expect(await queue.depth()).toBe(1);
    } finally {
      await deletePrefix(redis, prefix);
    }
  });

  it('a queue that cannot be reached is retried, not reported', async () => {
    let receives = 0;
    let twice: () => void = () => undefined;
    const retried = new Promise<void>((resolve) => (twice = resolve));
    const unreachable = {
      receive: async () => {
        if (++receives === 3) twice(); // the first two failed and were counted
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });
      },
    } as unknown as RetryQueue;
    const failures: unknown[] = [];
    const digester = new Digester(unreachable, { writeSettled: async () => [] }, { idleMs: 10, onFailed: (e) => void failures.push(e), logger: { debug() {}, info() {}, warn() {}, error() {} } });
    digester.start();
    await retried;
    await digester.stop();
    expect(failures).toEqual([]);
    expect(digester.stats.queueErrors).toBeGreaterThanOrEqual(2);
  });
});

describe('stop', () => {
  it('ends the loop at once, even during an idle pause', async () => {
    const digester = new Digester(new RedisRetryQueue(redis, { prefix: uniquePrefix('stop') }), { writeSettled: async () => [] }, { idleMs: 60_000 });
    digester.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await digester.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
