/** Aborting a batch whose engine is reading an application's past responses. */
import { StaticAppConfigSource } from '../engine/app-settings';
import type { HistoryPage, ResponseHistory } from '../core/ports';
import { builtInDetectors } from '../../detectors';
import { MemoryResponseStore } from '../sinks/memory-store';
import { loginFailure, times, toRecords } from '../testing/factories';
import { RecordingLogger } from '../../test/helpers/recording-logger';
import { ShardPipeline } from './shard-pipeline';

/** Much shorter than the ~20 s the ledger's retry timers took; much longer than an abort needs. */
const PROMPTLY_MS = 2000;

function pipeline(history: ResponseHistory) {
  const logger = new RecordingLogger();
  const store = new MemoryResponseStore();
  const p = new ShardPipeline(
    'shardId-000000000000',
    { sink: store, history, deadLetters: { write: async () => undefined }, config: new StaticAppConfigSource(builtInDetectors), logger },
    { initialMs: 10, maxMs: 50 },
  );
  return { p, logger };
}

/** What `work` settled with, or 'still pending' after PROMPTLY_MS (a stall, not a synchronisation). */
async function settledPromptly(work: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise((resolve) => (timer = setTimeout(() => resolve('still pending'), PROMPTLY_MS)));
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: unknown) => error), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ShardPipeline, aborted during a history read', () => {
  const cases: { name: string; recent: (failures: { count: number }) => Promise<HistoryPage> }[] = [
    { name: 'a store that keeps failing (aborted between retries)', recent: async (failures) => (failures.count++, Promise.reject(new Error('ProvisionedThroughputExceeded'))) },
    { name: 'a read that hangs', recent: (failures) => (failures.count++, new Promise(() => undefined)) },
  ];
  test.each(cases)('$name: the batch ends at once with an AbortError, and the history is not retried after it', async ({ recent }) => {
    const failures = { count: 0 };
    let reading: () => void = () => undefined;
    const firstRead = new Promise<void>((resolve) => (reading = resolve));
    const { p, logger } = pipeline({ recentPage: () => (reading(), recent(failures)) });
    const controller = new AbortController();
    const processing = p.process(toRecords([loginFailure({ ip: '203.0.113.7', at: 0 })]), [], controller.signal);
    await firstRead;
    const readsBeforeAbort = failures.count;
    controller.abort(new Error('stop deadline passed'));
    const outcome = await settledPromptly(processing);
    expect(outcome).toMatchObject({ name: 'AbortError', message: 'stop deadline passed' });
    expect(failures.count).toBe(readsBeforeAbort);
    expect(logger.messages('warn').filter((m) => /past responses/.test(m))).toEqual([]);
  });
});

describe('ShardPipeline, a history store that keeps failing transiently', () => {
  it('is retried a bounded number of times; then the application starts without its history, logged and counted, and the batch is durable', async () => {
    const reads = { count: 0 };
    const store = new MemoryResponseStore();
    const logger = new RecordingLogger();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const history: ResponseHistory = { recentPage: async () => (reads.count++, Promise.reject(throttled)) };
    const p = new ShardPipeline(
      'shardId-000000000000',
      { sink: store, history, deadLetters: { write: async () => undefined }, config: new StaticAppConfigSource(builtInDetectors), logger, processor: { historyRetryDelaysMs: [1, 1] } },
      { initialMs: 1, maxMs: 2 },
    );
    const records = toRecords(times(40, (i) => loginFailure({ ip: '203.0.113.7', at: i, id: `agent-1:${i}` })));
    const outcome = await settledPromptly(p.process(records));
    expect(outcome).toHaveProperty('value'); // resolved: neither stalled nor rejected
    expect(reads.count).toBe(3);
    expect(p.processor.stats.historyUnread).toBe(1);
    expect(logger.messages('error').filter((m) => /going on without them/.test(m))).toHaveLength(1);
    expect(store.all().map((r) => r.target.value)).toEqual(['203.0.113.7']);
  });
});

describe('ShardPipeline, a write that fails', () => {
  /** A pipeline whose response sink fails with `failure` `times` times, then writes. */
  function failingSink(failure: Error, times: number) {
    const store = new MemoryResponseStore();
    const calls = { count: 0 };
    const sink = { write: async (responses: Parameters<MemoryResponseStore['write']>[0]) => (calls.count++ < times ? Promise.reject(failure) : store.write(responses)) };
    const logger = new RecordingLogger();
    const p = new ShardPipeline('shardId-000000000000', { sink, history: store, deadLetters: { write: async () => undefined }, config: new StaticAppConfigSource(builtInDetectors), logger }, { initialMs: 1, maxMs: 2 });
    return { p, calls, store };
  }
  const attack = toRecords(times(40, (i) => loginFailure({ ip: '203.0.113.7', at: i, id: `agent-1:${i}` })));

  it('transiently (throttled) is retried until it lands', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { p, calls, store } = failingSink(throttled, 3);
    await p.process(attack);
    expect(calls.count).toBe(4);
    expect(store.all().length).toBeGreaterThan(0);
  });

  it('with an error no retry mends (a validation error: a bug) is not retried: the batch rejects with it', async () => {
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { p, calls } = failingSink(invalid, Infinity);
    expect(await settledPromptly(p.process(attack))).toBe(invalid);
    expect(calls.count).toBe(1);
  });
});
