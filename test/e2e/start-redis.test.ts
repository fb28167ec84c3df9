/**
 * `riposte start` with REDIS_URL: the retry queue and the agent read cache in Redis. A response that
 * comes out of the retry queue already in the table (its first put failed as far as the engine could
 * tell, yet landed) is announced by the digester: the agents' cached reads are dropped, so the next
 * read serves it instead of the cached list for up to the cache's TTL. Redis database 11, flushed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { createDynamoClient } from '../../src/aws/clients';
import { loadEnv } from '../../src/config/env';
import { RedisRetryQueue } from '../../src/retry/redis-queue';
import { DynamoResponseStore } from '../../src/sinks/dynamodb/responses-store';
import { makeResponse } from '../helpers/responses';
import { freePort } from '../helpers/own-redis';
import { demoToken, runRiposteUntilExit, startRiposteProcess } from '../helpers/riposte-process';
import { waitFor } from '../helpers/wait';

const REDIS_URL = 'redis://127.0.0.1:6379/11';

async function servedIds(url: string, token: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { responses: { id: string }[] }).responses.map((r) => r.id);
}

describe('riposte start with Redis', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-redis-'));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  beforeAll(() => redis.flushdb());
  afterAll(async () => {
    await redis.flushdb();
    await redis.quit();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a response the digester found already landed, without waiting for the cache to expire', async () => {
    const riposte = await startRiposteProcess(dataDir, { REDIS_URL });
    const queue = new RedisRetryQueue(REDIS_URL);
    try {
      const token = await demoToken(riposte);
      expect(await servedIds(riposte.url, token)).toEqual([]); // now cached

      const running = riposte.logs().find((l) => typeof l.dynamodb === 'string' && l.url === riposte.url);
      const dynamo = createDynamoClient({ endpoint: running?.dynamodb as string, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const response = makeResponse({ appId: 'demo', createdAtMs: Date.now() });
      try {
        // A put the engine saw fail, though it landed: nobody announced it, so the cache still serves the old list.
        const [outcome] = await new DynamoResponseStore(dynamo, loadEnv({}).RIPOSTE_RESPONSES_TABLE).writeSettled([response]);
        expect(outcome?.status).toBe('written');
      } finally {
        dynamo.destroy();
      }
      expect(await servedIds(riposte.url, token)).toEqual([]);

      await queue.enqueue([response]);
      await waitFor('the response to be served', async () => (await servedIds(riposte.url, token)).includes(response.id), 15_000, 200);
      await waitFor('the retry queue to drain', async () => (await queue.depth()) === 0, 5000);
      expect(await riposte.stop()).toBe(0);
    } finally {
      riposte.child.kill('SIGKILL');
      await queue.close();
    }
  }, 90_000);
});

describe('riposte start with Redis down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-redis-down-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits non-zero with a message naming REDIS_URL, instead of running on without serving', async () => {
    const url = `redis://127.0.0.1:${await freePort()}/0`;
    const { code, stderr } = await runRiposteUntilExit(dataDir, { REDIS_URL: url }, 45_000);
    expect(code).toBe(1);
    expect(stderr).toContain(`riposte: cannot reach Redis at ${url} (REDIS_URL)`);
  }, 60_000);
});
