/** The change feed's cursor rules, on a clock the test moves. */
import { MemoryResponseCache } from '../cache/response-cache';
import { changeKeyOf, type ResponseReader, type StoredResponse } from '../core/ports';
import { MemoryResponseStore } from '../sinks/memory-store';
import { banResponse } from '../../test/helpers/api-harness';
import { AgentReads } from './agent-reads';
import type { AgentCursor } from './cursor';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');

function setup(options: { pageSize?: number; tailLimit?: number; generationCheckMs?: number } = {}) {
  let now = T0;
  const clock = () => now;
  const store = new MemoryResponseStore(clock);
  // Responses written but not yet visible to readers, as a write in flight is.
  const inFlight = new Set<string>();
  const visible = (rs: StoredResponse[]) => rs.filter((r) => !inFlight.has(r.id));
  const reader: ResponseReader = {
    active: async (appId, nowMs) => visible(await store.active(appId, nowMs)),
    changes: async (appId, after, limit) => visible(await store.changes(appId, after, limit)),
    get: (appId, id) => store.get(appId, id),
    revoke: (appId, id, atMs) => store.revoke(appId, id, atMs),
    generation: (appId) => store.generation(appId),
  };
  const cache = new MemoryResponseCache(60_000, clock);
  const reads = new AgentReads(reader, cache, { clock, settleMs: 5000, tailMs: 600_000, ...options });
  return {
    store,
    inFlight,
    cache,
    reads,
    advance: (ms: number) => (now += ms),
    now: () => now,
    /** A write, then the invalidation the ResponseChangeNotifier would do. */
    write: async (...ips: string[]) => {
      const responses = ips.map((ip) => banResponse('shop', ip, { nowMs: now }));
      await store.write(responses);
      await cache.invalidate(['shop']);
      return responses;
    },
  };
}

const ips = (rs: readonly StoredResponse[]) => rs.map((r) => r.target.value);

describe('AgentReads', () => {
  test('the active read lists what is in force and a cursor just before it was read', async () => {
    const t = setup();
    await t.write('203.0.113.1', '203.0.113.2');
    const active = await t.reads.active('shop');
    expect(ips(active.responses)).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(active.cursor.safe).toBe(changeKeyOf(T0 - 5000, ''));
    expect(active.cursor.seen >= changeKeyOf(T0, '')).toBe(true);
  });

  test('a response that expired drops out of the cached active read without a write', async () => {
    const t = setup();
    await t.store.write([banResponse('shop', '203.0.113.1', { nowMs: T0, seconds: 10 })]);
    expect((await t.reads.active('shop')).responses).toHaveLength(1);
    t.advance(11_000);
    expect((await t.reads.active('shop')).responses).toHaveLength(0);
  });

  test('the same active read object comes back until a response expires or the application changes', async () => {
    const t = setup();
    await t.store.write([banResponse('shop', '203.0.113.1', { nowMs: T0, seconds: 10 }), banResponse('shop', '203.0.113.2', { nowMs: T0, seconds: 60 })]);
    const first = await t.reads.active('shop');
    t.advance(5000);
    expect(await t.reads.active('shop')).toBe(first);
    t.advance(5000);
    const afterExpiry = await t.reads.active('shop');
    expect(afterExpiry).not.toBe(first);
    expect(ips(afterExpiry.responses)).toEqual(['203.0.113.2']);
    await t.write('203.0.113.3');
    expect(ips((await t.reads.active('shop')).responses)).toEqual(['203.0.113.2', '203.0.113.3']);
  });

  test('changes since a cursor: new ones are news; once settled, the cursor moves past them and they stop coming', async () => {
    const t = setup();
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    await t.write('203.0.113.1');
    const first = await t.reads.changesSince('shop', cursor);
    expect(ips(first.responses)).toEqual(['203.0.113.1']);
    expect(first.news).toBe(true);
    // Within the settle time the change is sent again (agents apply by id), but it is not news.
    t.advance(1000);
    const repeat = await t.reads.changesSince('shop', first.cursor);
    expect(ips(repeat.responses)).toEqual(['203.0.113.1']);
    expect(repeat.news).toBe(false);
    // The first read made after the settle time vouches for it; from the next one on, it is not sent.
    t.advance(10_000);
    await t.cache.invalidate(['shop']);
    const vouching = await t.reads.changesSince('shop', repeat.cursor);
    expect(vouching.news).toBe(false);
    const settled = await t.reads.changesSince('shop', vouching.cursor);
    expect(settled.responses).toEqual([]);
    expect(settled.cursor.safe > first.responses[0]!.changeKey).toBe(true);
  });

  test('changes the active read already held are repeated within the settle time, but are not news', async () => {
    const t = setup();
    await t.write('203.0.113.1');
    t.advance(1000);
    const { cursor } = await t.reads.active('shop');
    const page = await t.reads.changesSince('shop', cursor);
    expect(ips(page.responses)).toEqual(['203.0.113.1']);
    expect(page.news).toBe(false);
  });

  test('a revoke is a change: the response comes again, revoked', async () => {
    const t = setup();
    const [ban] = await t.write('203.0.113.1');
    t.advance(20_000);
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    await t.store.revoke('shop', ban?.id as string, t.now());
    await t.cache.invalidate(['shop']);
    const page = await t.reads.changesSince('shop', cursor);
    expect(page.responses.map((r) => [r.target.value, r.revokedAt !== null])).toEqual([['203.0.113.1', true]]);
    expect(page.news).toBe(true);
  });

  test('a change that becomes visible after the cursor passed its key is still delivered', async () => {
    const t = setup();
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    // Its key is taken now, but the write lands only after a reader has moved on.
    const [late] = await t.write('203.0.113.9');
    t.inFlight.add(late?.id as string);
    t.advance(1000);
    await t.write('203.0.113.1');
    const first = await t.reads.changesSince('shop', cursor);
    expect(ips(first.responses)).toEqual(['203.0.113.1']);
    t.inFlight.clear();
    await t.cache.invalidate(['shop']);
    t.advance(500);
    const next = await t.reads.changesSince('shop', first.cursor);
    expect(ips(next.responses)).toContain('203.0.113.9');
  });

  test('a cursor older than the cached tail reads the store directly and still gets everything', async () => {
    const t = setup();
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    await t.write('203.0.113.1');
    t.advance(3_600_000);
    await t.write('203.0.113.2');
    const page = await t.reads.changesSince('shop', cursor);
    expect(ips(page.responses)).toEqual(['203.0.113.1', '203.0.113.2']);
  });

  test('more changes than a page: pages follow one another without a gap or a repeat', async () => {
    const t = setup({ pageSize: 3, tailLimit: 5 });
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    const all = Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`);
    await t.write(...all);
    t.advance(60_000);
    const seen: string[] = [];
    let at = cursor;
    for (let i = 0; i < 10; i++) {
      const page = await t.reads.changesSince('shop', at);
      seen.push(...ips(page.responses));
      at = page.cursor;
      if (!page.more) break;
    }
    expect(seen).toEqual(all);
  });

  test('a wave of more than a page: a change that becomes visible late behind a page is still delivered', async () => {
    const t = setup({ pageSize: 3, tailLimit: 5 });
    const cursor = { safe: changeKeyOf(T0 - 60_000, ''), seen: changeKeyOf(T0 - 60_000, '') };
    t.advance(-30_000);
    await t.write('10.0.0.1', '10.0.0.2');
    t.advance(29_000);
    // Its key is taken now, but its write lands only after the agent has paged through the wave.
    const [late] = await t.write('203.0.113.99');
    t.inFlight.add(late?.id as string);
    t.advance(100);
    await t.write('10.0.0.3', '10.0.0.4');
    t.advance(900);
    const delivered: string[] = [];
    let at: AgentCursor = cursor;
    const read = async () => {
      const page = await t.reads.changesSince('shop', at);
      delivered.push(...ips(page.responses));
      at = page.cursor;
      return page;
    };
    expect((await read()).more).toBe(true);
    expect((await read()).more).toBe(false);
    // Within the settle time of its key the write lands; the agent's next poll comes after it.
    t.advance(3000);
    t.inFlight.clear();
    await t.cache.invalidate(['shop']);
    t.advance(7000);
    while ((await read()).more);
    expect(new Set(delivered)).toEqual(new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '203.0.113.99']));
  });

  test('paging through an old wave moves the cursor on page by page: once paged through, it is not read again', async () => {
    const t = setup({ pageSize: 3, tailLimit: 5 });
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    await t.write(...Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`));
    t.advance(60_000);
    let at = cursor;
    for (let more = true; more; ) {
      const page = await t.reads.changesSince('shop', at);
      at = page.cursor;
      more = page.more;
    }
    expect((await t.reads.changesSince('shop', at)).responses).toEqual([]);
  });

  test('a write whose invalidation was lost is served within the generation check, not after the cache TTL', async () => {
    const t = setup({ generationCheckMs: 1000 });
    await t.write('203.0.113.1');
    expect(ips((await t.reads.active('shop')).responses)).toEqual(['203.0.113.1']);
    const { cursor } = await t.reads.active('shop');
    t.advance(1000);
    // Written while the cache could not be told (Redis away): no invalidation.
    await t.store.write([banResponse('shop', '203.0.113.2', { nowMs: t.now() })]);
    t.advance(1000);
    expect(ips((await t.reads.active('shop')).responses)).toEqual(['203.0.113.1', '203.0.113.2']);
    t.advance(5000);
    expect(ips((await t.reads.changesSince('shop', cursor)).responses)).toContain('203.0.113.2');
  });

  test('while the generation is unchanged, reads are served from the cache: the store is asked once per check', async () => {
    const t = setup({ generationCheckMs: 1000 });
    await t.write('203.0.113.1');
    let actives = 0;
    let generations = 0;
    const active = t.store.active.bind(t.store);
    const generation = t.store.generation.bind(t.store);
    t.store.active = async (...args) => (actives++, active(...args));
    t.store.generation = async (...args) => (generations++, generation(...args));
    for (let i = 0; i < 10; i++) {
      await t.reads.active('shop');
      t.advance(250);
    }
    expect(actives).toBe(1);
    expect(generations).toBe(3);
  });

  test('agents with different cursors inside the tail share one read of the store', async () => {
    const t = setup();
    await t.write('203.0.113.1');
    t.advance(30_000);
    let reads = 0;
    const changes = t.store.changes.bind(t.store);
    t.store.changes = async (...args) => (reads++, changes(...args));
    for (const ms of [T0 - 60_000, T0 + 10_000, T0 + 20_000]) await t.reads.changesSince('shop', { safe: changeKeyOf(ms, ''), seen: changeKeyOf(ms, '') });
    expect(reads).toBe(1);
  });
});
