/**
 * DynamoResponseStore against dynalite: idempotent writes, the agent API's queries (active,
 * changes with a cursor, get), revocation, and the repeat-offender history.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../src/aws/clients';
import { DynamoResponseStore, ResponseWriteError } from '../../src/sinks/dynamodb/responses-store';
import { faultyDynamoClient } from '../helpers/dynamo-faults';
import { startDynalite, type LocalDynamo } from '../helpers/dynalite';
import { makeResponse, manyResponses, T0 } from '../helpers/responses';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});

/** A store on a fresh table whose clock advances 1 s per call, from T0 + 10 min. */
async function freshStore(options: { retentionSeconds?: number } = {}) {
  const table = await dynamo.responsesTable();
  let now = T0 + 600_000;
  const store = new DynamoResponseStore(dynamo.client(), table, { ...options, clock: () => (now += 1000) });
  return { store, table };
}

describe('writes are idempotent', () => {
  it('writing the same responses twice leaves one item each, with the first changeKey', async () => {
    const { store } = await freshStore();
    const batch = manyResponses(12);
    await store.write(batch);
    const first = await store.changes('app-1', null, 100);
    await store.write(batch);
    const second = await store.changes('app-1', null, 100);

    expect(second).toHaveLength(12);
    expect(second.map((r) => [r.id, r.changeKey])).toEqual(first.map((r) => [r.id, r.changeKey]));
    expect(store.stats).toMatchObject({ puts: 24, written: 12, existed: 12, failed: 0 });
  });

  it('a replayed response does not bring a revoked one back', async () => {
    const { store } = await freshStore();
    const r = makeResponse();
    await store.write([r]);
    const revoked = await store.revoke(r.appId, r.id, T0 + 5000);
    await store.write([r]);

    expect(await store.get(r.appId, r.id)).toEqual(revoked);
    expect(await store.active(r.appId, T0)).toEqual([]);
  });

  it('reads back exactly the response that was written', async () => {
    const { store } = await freshStore();
    const r = { ...makeResponse({ simulated: true }), action: 'redirect' as const, redirectUrl: 'https://example.com/captcha' };
    await store.write([r]);
    const stored = await store.get(r.appId, r.id);
    expect(stored).toEqual({ ...r, revokedAt: null, changeKey: expect.stringMatching(/^\d{15}#/) });
  });

  it('the item expires (TTL) its retention after the response', async () => {
    const { store, table } = await freshStore({ retentionSeconds: 86400 });
    const r = makeResponse({ durationSeconds: 3600 });
    await store.write([r]);
    const { Item } = await documentClient(dynamo.client()).send(new GetCommand({ TableName: table, Key: { appId: r.appId, id: r.id } }));
    expect(Item).toMatchObject({ ttl: (T0 + 3600_000) / 1000 + 86400, expiresAtMs: T0 + 3600_000 });
  });

  it('a write that fails rejects with ResponseWriteError naming the responses not written', async () => {
    const store = new DynamoResponseStore(dynamo.client(), 'no-such-table', {});
    const batch = manyResponses(3);
    const error = await store.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseWriteError);
    expect((error as ResponseWriteError).failed.map((r) => r.id).sort()).toEqual(batch.map((r) => r.id).sort());
    expect((error as ResponseWriteError).message).toMatch(/3 response write\(s\) failed .*ResourceNotFoundException/);
    expect(store.stats.failed).toBe(3);
  });
});

describe('active', () => {
  const cases = [
    { name: 'in force: listed', durationSeconds: 3600, revoke: false, listed: true },
    { name: 'expired (TTL not yet applied): not listed', durationSeconds: 60, revoke: false, listed: false },
    { name: 'revoked: not listed', durationSeconds: 3600, revoke: true, listed: false },
  ];
  it.each(cases)('$name', async ({ durationSeconds, revoke, listed }) => {
    const { store } = await freshStore();
    const r = makeResponse({ durationSeconds });
    const other = makeResponse({ appId: 'app-2' });
    await store.write([r, other]);
    if (revoke) await store.revoke(r.appId, r.id, T0);
    const active = await store.active('app-1', T0 + 120_000);
    expect(active.map((a) => a.id)).toEqual(listed ? [r.id] : []);
  });

  it('lists every active response of the application and none of another', async () => {
    const { store } = await freshStore();
    await store.write([...manyResponses(30), ...manyResponses(5, { appId: 'app-2' })]);
    expect(await store.active('app-1', T0)).toHaveLength(30);
    expect(await store.active('app-2', T0)).toHaveLength(5);
  });
});

describe('changes', () => {
  it('pages through the feed with the last changeKey as cursor, each response once, oldest first', async () => {
    const { store } = await freshStore();
    const batch = manyResponses(25);
    await store.write(batch);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const got = await store.changes('app-1', cursor, 10);
      if (got.length === 0) break;
      expect(got.length).toBeLessThanOrEqual(10);
      seen.push(...got.map((r) => r.changeKey));
      cursor = got[got.length - 1]!.changeKey;
    }
    expect(seen).toHaveLength(25);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen.map((k) => k.split('#')[1])).size).toBe(25);
  });

  it('a revocation moves the response past the cursor, with revokedAt set', async () => {
    const { store } = await freshStore();
    const [a, b] = manyResponses(2);
    await store.write([a!, b!]);
    const cursor = (await store.changes('app-1', null, 10)).at(-1)!.changeKey;
    expect(await store.changes('app-1', cursor, 10)).toEqual([]);

    await store.revoke('app-1', a!.id, T0 + 7000);
    const after = await store.changes('app-1', cursor, 10);
    expect(after).toEqual([expect.objectContaining({ id: a!.id, revokedAt: new Date(T0 + 7000).toISOString() })]);
    expect(after[0]!.changeKey > cursor).toBe(true);
  });

  it.each([0, -1, 1.5])('refuses limit %p', async (limit) => {
    const { store } = await freshStore();
    await expect(store.changes('app-1', null, limit)).rejects.toThrow(/limit: .* expected a whole number >= 1/);
  });
});

describe('revoke', () => {
  it('of an unknown id answers undefined and creates nothing', async () => {
    const { store } = await freshStore();
    expect(await store.revoke('app-1', 'nope', T0)).toBeUndefined();
    expect(await store.get('app-1', 'nope')).toBeUndefined();
    expect(await store.changes('app-1', null, 10)).toEqual([]);
  });

  it('of another application’s response answers undefined and leaves it active', async () => {
    const { store } = await freshStore();
    const r = makeResponse({ appId: 'app-2' });
    await store.write([r]);
    expect(await store.revoke('app-1', r.id, T0)).toBeUndefined();
    expect((await store.active('app-2', T0)).map((a) => a.id)).toEqual([r.id]);
  });

  it('twice keeps the first revokedAt and moves the changeKey again', async () => {
    const { store } = await freshStore();
    const r = makeResponse();
    await store.write([r]);
    const first = await store.revoke(r.appId, r.id, T0 + 1000);
    const second = await store.revoke(r.appId, r.id, T0 + 2000);
    expect(second!.revokedAt).toBe(first!.revokedAt);
    expect(second!.changeKey > first!.changeKey).toBe(true);
  });
});

describe('recent (repeat-offender history)', () => {
  it('returns the responses expiring at or after the look-back start, revoked ones included', async () => {
    const { store } = await freshStore();
    const old = makeResponse({ ip: '192.0.2.1', createdAtMs: T0 - 86400_000, durationSeconds: 600 });
    const stillInForce = makeResponse({ ip: '192.0.2.2', createdAtMs: T0 - 86400_000, durationSeconds: 2 * 86400 });
    const recentOne = makeResponse({ ip: '192.0.2.3', createdAtMs: T0 - 3600_000, durationSeconds: 600 });
    const otherApp = makeResponse({ appId: 'app-2', createdAtMs: T0 });
    await store.write([old, stillInForce, recentOne, otherApp]);
    await store.revoke(recentOne.appId, recentOne.id, T0);

    const got = await store.recent('app-1', T0 - 2 * 3600_000);
    expect(got.map((r) => r.id).sort()).toEqual([stillInForce.id, recentOne.id].sort());
  });
});

describe('the generation of an application (what the agent API cache checks)', () => {
  it('is raised after each write that lands and after each revocation, per application, and no query meets it', async () => {
    const { store } = await freshStore();
    expect(await store.generation('app-1')).toBe(0);
    const [a, b] = manyResponses(2);
    await store.write([a!]);
    const afterWrite = await store.generation('app-1');
    expect(afterWrite).toBeGreaterThan(0);
    await store.revoke(a!.appId, a!.id, T0 + 5000);
    const afterRevoke = await store.generation('app-1');
    expect(afterRevoke).toBeGreaterThan(afterWrite);
    await store.write([b!]);
    expect(await store.generation('app-1')).toBeGreaterThan(afterRevoke);
    expect(await store.generation('app-2')).toBe(0);
    expect((await store.changes('app-1', null, 100)).map((r) => r.id).sort()).toEqual([a!.id, b!.id].sort());
    expect(await store.recent('app-1', 0)).toHaveLength(2);
    expect(await store.get('app-1', '#generation')).toBeUndefined();
    expect(await store.revoke('app-1', '#generation', T0)).toBeUndefined();
  });

  it('a write whose generation cannot be raised counts as failed, so it is written again', async () => {
    const table = await dynamo.responsesTable();
    const faulty = faultyDynamoClient({ throttle: 1, lostReply: 0, commands: ['UpdateItemCommand'] }, { endpoint: dynamo.endpoint, maxAttempts: 1 });
    const store = new DynamoResponseStore(faulty.client, table);
    const [r] = manyResponses(1);
    const [outcome] = await store.writeSettled([r!]);
    expect(outcome?.status).toBe('failed');
    expect(await new DynamoResponseStore(dynamo.client(), table).get(r!.appId, r!.id)).toBeDefined();
  });
});
