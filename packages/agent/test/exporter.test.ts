/**
 * The batching exporter against a scripted ingest endpoint: batches by size and by time, ids kept
 * across retries, Retry-After honoured, only the events a 503 names sent again, a bounded queue that
 * drops the oldest while Riposte is away, and a close that flushes within its time.
 */
import { EventFactory, type AgentEvent } from '../src/events';
import { EventExporter } from '../src/exporter';
import { HttpClient } from '../src/http-client';
import { ThrottledLogger, type AgentLogger } from '../src/logger';
import type { BatchOptions } from '../src/options';
import { Counters } from '../src/stats';
import { accept, ingestDouble, type IngestDouble, type Script } from './ingest-double';
import { until } from './loopback';

interface Rig {
  exporter: EventExporter;
  counters: Counters;
  lines: string[];
  add(n: number): string[];
}

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

function rig(url: string, batch: Partial<BatchOptions> = {}, backoffMs = 50): Rig {
  const counters = new Counters();
  const lines: string[] = [];
  const logger: AgentLogger = { warn: (_f, m) => lines.push(`warn: ${m}`), error: (_f, m) => lines.push(`error: ${m}`) };
  const client = new HttpClient(new URL(url), 'rpt_test', 'test');
  const exporter = new EventExporter(
    client,
    { maxQueueSize: 1000, maxExportBatchSize: 10, scheduledDelayMillis: 20, exportTimeoutMillis: 2000, ...batch },
    { initialBackoffMillis: backoffMs, maxBackoffMillis: backoffMs },
    new ThrottledLogger(logger, 0),
    counters.events,
  );
  opened.push({ close: async () => (await exporter.close(100), client.close()) });
  const factory = new EventFactory('agent-t', 'host-t');
  return {
    exporter,
    counters,
    lines,
    add: (n) =>
      Array.from({ length: n }, (_, i) => {
        const event = factory.make('login_failure', { ip: '203.0.113.7' }, { user: { login: `u${i}` } });
        exporter.add(event);
        return event.id;
      }),
  };
}

async function double(script: Script = accept, port?: number): Promise<IngestDouble> {
  const d = await ingestDouble(script, port);
  opened.push(d);
  return d;
}

describe('batching', () => {
  test('full batches go at once, the rest after the scheduled delay; every id once, in order', async () => {
    const ingest = await double();
    const r = rig(ingest.url, { maxExportBatchSize: 10, scheduledDelayMillis: 300 });
    const started = Date.now();
    const ids = r.add(25);
    await until('25 events sent', () => r.counters.events.sent === 25);
    expect(ingest.received.map((b) => b.events.length)).toEqual([10, 10, 5]);
    expect(ingest.ids()).toEqual(ids);
    expect((ingest.received[2]?.at ?? 0) - started).toBeGreaterThanOrEqual(300);
    expect(r.counters.events).toMatchObject({ sent: 25, dropped: 0, retried: 0 });
  });

  test('each request carries the agent token and JSON', async () => {
    const ingest = await double();
    rig(ingest.url).add(1);
    await until('one batch', () => ingest.received.length === 1);
    expect(ingest.received[0]?.headers).toMatchObject({ authorization: 'Bearer rpt_test', 'content-type': 'application/json' });
  });

  test('an event too large for Riposte is dropped and counted, the others go', async () => {
    const ingest = await double();
    const r = rig(ingest.url);
    r.add(1);
    r.exporter.add({ v: 1, id: 'big', type: 'custom', event: 'x', props: { blob: 'x'.repeat(40_000) } } as unknown as AgentEvent);
    r.add(1);
    await until('two events', () => ingest.ids().length === 2);
    expect(r.counters.events.rejected).toBe(1);
    expect(r.lines).toEqual([expect.stringContaining('Riposte takes at most 32768')]);
  });
});

describe('when Riposte refuses or fails', () => {
  test('429 with Retry-After: the same batch, same ids, goes again after the wait', async () => {
    const ingest = await double((events, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : accept(events, n)));
    const r = rig(ingest.url);
    const ids = r.add(3);
    await until('the batch again', () => r.counters.events.sent === 3, 5000);
    const [first, second] = ingest.received;
    expect(first?.events.map((e) => e.id)).toEqual(ids);
    expect(second?.events.map((e) => e.id)).toEqual(ids);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(r.counters.events).toMatchObject({ sent: 3, retried: 1, dropped: 0 });
  });

  test('503 naming the events the stream refused: only those go again', async () => {
    const ingest = await double((events, n) => (n === 0 ? { status: 503, headers: { 'retry-after': '0' }, body: { error: 'stream_unavailable', accepted: 3, failed: [1, 3], rejected: [] } } : accept(events, n)));
    const r = rig(ingest.url);
    const ids = r.add(5);
    await until('the failed events again', () => r.counters.events.sent === 5);
    expect(ingest.received[1]?.events.map((e) => e.id)).toEqual([ids[1], ids[3]]);
    expect(r.counters.events).toMatchObject({ sent: 5, retried: 1 });
  });

  test.each([
    ['500', { status: 500 }],
    ['502 from a proxy', { status: 502 }],
    ['no answer within the export timeout', 'hang' as const],
  ])('%s: backs off and sends the batch again', async (_name, failure) => {
    const ingest = await double((events, n) => (n === 0 ? failure : accept(events, n)));
    const r = rig(ingest.url, { exportTimeoutMillis: 300 });
    const ids = r.add(2);
    await until('the batch again', () => r.counters.events.sent === 2, 5000);
    expect(ingest.received[1]?.events.map((e) => e.id)).toEqual(ids);
    expect(r.counters.events).toMatchObject({ sent: 2, retried: 1 });
  });

  test('events Riposte rejects one by one are counted and the reason logged, not sent again', async () => {
    const reason = 'user.login: Too big: expected string to have <=256 characters';
    const ingest = await double((events) => ({ status: 202, body: { accepted: events.length - 1, rejected: [{ index: 0, reason }] } }));
    const r = rig(ingest.url);
    r.add(3);
    await until('counted', () => r.counters.events.sent === 2);
    expect(r.counters.events).toMatchObject({ rejected: 1, retried: 0 });
    expect(r.lines).toEqual(['warn: Riposte rejected events (the first reason is given)']);
  });

  test('401: the batch is refused for good, counted, and the log says the token is wrong', async () => {
    const ingest = await double(() => ({ status: 401, body: { error: 'invalid_token' } }));
    const r = rig(ingest.url);
    r.add(4);
    await until('refused', () => r.counters.events.refused === 4);
    expect(ingest.received).toHaveLength(1);
    expect(r.lines).toEqual([expect.stringContaining('the agent token is not valid for this Riposte')]);
  });
});

describe('while Riposte is unreachable', () => {
  test('events wait, and arrive once each when it is back', async () => {
    const first = await ingestDouble();
    const port = Number(new URL(first.url).port);
    await first.close();
    const r = rig(first.url);
    const ids = r.add(5);
    await until('a failed attempt', () => r.counters.events.retried >= 1);
    const ingest = await double(accept, port);
    await until('delivered', () => r.counters.events.sent === 5, 5000);
    expect(ingest.ids()).toEqual(ids);
    expect(r.exporter.queued).toBe(0);
  });

  test('the queue keeps the newest events and drops (and counts) the oldest', async () => {
    const first = await ingestDouble();
    const port = Number(new URL(first.url).port);
    await first.close();
    const r = rig(first.url, { maxQueueSize: 5, maxExportBatchSize: 5 });
    const ids = r.add(12);
    expect(r.exporter.queued).toBeLessThanOrEqual(5);
    await until('a failed attempt', () => r.counters.events.retried >= 1);
    const ingest = await double(accept, port);
    await until('delivered', () => r.counters.events.sent === 5, 5000);
    expect(ingest.ids()).toEqual(ids.slice(7));
    expect(r.counters.events).toMatchObject({ sent: 5, dropped: 7 });
  });
});

describe('close', () => {
  test('sends what is queued before resolving true', async () => {
    const ingest = await double();
    const r = rig(ingest.url, { scheduledDelayMillis: 60_000 });
    const ids = r.add(3);
    expect(await r.exporter.close(2000)).toBe(true);
    expect(ingest.ids()).toEqual(ids);
  });

  test('with Riposte not answering, gives up after its timeout and counts what was lost', async () => {
    const ingest = await double(() => 'hang');
    const r = rig(ingest.url, { scheduledDelayMillis: 0 });
    r.add(3);
    await until('a request in flight', () => ingest.received.length === 1);
    const started = Date.now();
    expect(await r.exporter.close(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.counters.events.dropped).toBe(3);
    r.add(1);
    expect(r.counters.events.dropped).toBe(4);
  });
});
