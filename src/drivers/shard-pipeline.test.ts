/** The shard pipeline: aborts during a history read, failing writes, and the write lanes (one application's writes stalled while another's land). */
import { StaticAppConfigSource } from '../engine/app-settings';
import type { HistoryPage, ResponseHistory, ResponseSink } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import loginBruteForce from '../../detectors/login-brute-force';
import { builtInDetectors } from '../../detectors';
import { MemoryResponseStore } from '../sinks/memory-store';
import { loginFailure, times, toRecords } from '../testing/factories';
import { RecordingLogger } from '../../test/helpers/recording-logger';
import { ShardPipeline, type WriteLimits } from './shard-pipeline';

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
    await p.drain();
    expect(calls.count).toBe(4);
    expect(store.all().length).toBeGreaterThan(0);
  });

  it('with an error no retry mends (a validation error: a bug) is not retried: the pipeline rejects with it from then on, and checkpoints nothing past it', async () => {
    const invalid = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { p, calls } = failingSink(invalid, Infinity);
    await p.process(attack); // handed to the lane: the write fails while the shard goes on
    expect(await settledPromptly(p.drain())).toBe(invalid);
    expect(await settledPromptly(p.process(attack))).toBe(invalid);
    expect(() => p.throwIfStopped()).toThrow(invalid);
    expect(p.safe).toBeNull();
    expect(calls.count).toBe(1);
  });
});

/**
 * A sink whose writes of one application can be held (a store crawling or stalled for it) while the
 * others land at once.
 */
class HoldingSink implements ResponseSink {
  readonly store = new MemoryResponseStore();
  readonly held: { responses: readonly SecurityResponse[]; release: () => void }[] = [];
  constructor(private readonly holding: string) {}

  write(responses: readonly SecurityResponse[]): Promise<void> {
    if (!responses.some((r) => r.appId === this.holding)) return this.store.write(responses);
    return new Promise<void>((resolve) => this.held.push({ responses, release: () => void this.store.write(responses).then(resolve) }));
  }

  /** Lets every held write land. */
  releaseAll(): void {
    for (const h of this.held.splice(0)) h.release();
  }

  appsWritten(): string[] {
    return [...new Set(this.store.all().map((r) => r.appId))].sort();
  }
}

describe('ShardPipeline, write lanes: one application\'s writes stall while another\'s land', () => {
  /** Only the brute-force detector (60 s window), and 1 s of lateness, so that checkpoints come soon. */
  function lanes(sink: ResponseSink, limits: Partial<WriteLimits> = {}) {
    const store = new MemoryResponseStore();
    return new ShardPipeline(
      'shardId-000000000000',
      { sink, history: store, deadLetters: { write: async () => undefined }, config: new StaticAppConfigSource([loginBruteForce]), logger: new RecordingLogger(), processor: { latenessSeconds: 1 } },
      { initialMs: 1, maxMs: 2 },
      limits,
    );
  }
  /** Ten failed logins of `app` from `ip` starting at `from` s: one brute force, one response. */
  const bruteForce = (app: string, ip: string, from: number) => toRecords(times(10, (i) => loginFailure({ app, ip, at: from + i / 10, id: `${app}-${ip}:${i}` })));
  /** Single failures from fresh addresses, one a second from `from`: the clock moves on, nothing fires. */
  const quiet = (app: string, from: number, seconds: number) => toRecords(times(seconds, (i) => loginFailure({ app, ip: `198.51.100.${i + 1}`, at: from + i })));
  /** Lets every pending callback run (the lanes' writes start, land or are held). */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  it('writes the victim\'s response while the flooder\'s write is stalled, and checkpoints nothing past the unwritten', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink);
    expect(await settledPromptly(p.process(bruteForce('flood', '203.0.113.66', 0)))).toEqual({ value: null });
    expect(sink.held).toHaveLength(1); // the flooder's response: being written, not landed
    expect(await settledPromptly(p.process(bruteForce('victim', '203.0.113.7', 1)))).toHaveProperty('value');
    await settle();
    expect(sink.appsWritten()).toEqual(['victim']);

    // Well past the longest window: the engine offers a checkpoint beyond both brute forces.
    for (const from of [70, 80, 90]) await p.process(quiet('victim', from, 10));
    const offered = p.processor.lastCheckpoint;
    expect(offered).not.toBeNull();
    expect(p.safe).toBeNull(); // the flooder's response of the first batch is not written yet
    expect(p.pending.byApp.get('flood')).toBe(1);

    sink.releaseAll();
    expect(await settledPromptly(p.drain())).toEqual({ value: offered });
    expect(sink.appsWritten()).toEqual(['flood', 'victim']);
    expect(p.pending.total).toBe(0);
  });

  it('keeps each application\'s lag: the victim\'s once its batch is handled, the flooder\'s only once its held write lands', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink);
    const lag = (app: string) => p.processor.stats.app(app).lagMs;
    await p.process(bruteForce('flood', '203.0.113.66', 0));
    await p.process(quiet('flood', 2, 3)); // nothing to write, but behind the held write: its lag waits too
    await p.process(bruteForce('victim', '203.0.113.7', 1));
    await settle();
    expect(lag('victim')).toBeGreaterThan(0); // the fixtures' arrivals (BASE_TIME on) are in the past
    expect(lag('flood')).toBe(0);
    sink.releaseAll();
    await settledPromptly(p.drain());
    expect(lag('flood')).toBeGreaterThan(0);
  });

  it('a checkpoint offered while the flooder\'s older writes wait is handed out only once they land, never before', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink);
    await p.process(quiet('victim', 0, 5));
    await p.process(quiet('victim', 70, 5)); // an offer covering only the victim's quiet batch
    const early = p.processor.lastCheckpoint;
    await settle();
    expect(early).not.toBeNull();
    expect(p.safe).toEqual(early); // nothing was waiting: safe at once
    await p.process(bruteForce('flood', '203.0.113.66', 75));
    for (const from of [140, 150, 160]) await p.process(quiet('victim', from, 10));
    await settle();
    expect(p.processor.lastCheckpoint).not.toEqual(early);
    expect(p.safe).toEqual(early); // the later offer waits behind the flooder's write
    sink.releaseAll();
    expect(await settledPromptly(p.drain())).toEqual({ value: p.processor.lastCheckpoint });
  });

  it('applies back-pressure when one application\'s responses waiting exceed its bound: process waits, the queue does not grow', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink, { maxPendingPerApp: 2, maxPendingTotal: 100 });
    const twoAttacks = (from: number, n: number) => [...bruteForce('flood', `203.0.113.${n}`, from), ...bruteForce('flood', `203.0.113.${n + 1}`, from)];
    await p.process(twoAttacks(0, 10)); // 2 waiting: at the bound, not past it
    let resolved = false;
    const second = p.process(twoAttacks(2, 20)).then((safe) => ((resolved = true), safe));
    await settle();
    expect(resolved).toBe(false);
    expect(p.pending.byApp.get('flood')).toBe(4);
    // The victim's batches would wait too (the shard is read in order), but none is taken meanwhile.
    sink.releaseAll(); // the first write lands; the second batch's write starts and is held
    await settle();
    expect(resolved).toBe(true);
    expect(p.pending.byApp.get('flood')).toBe(2);
    sink.releaseAll();
    await settledPromptly(second);
    expect(await settledPromptly(p.drain())).toHaveProperty('value');
    expect(sink.store.all()).toHaveLength(4);
  });

  it('applies back-pressure on the total across applications as well', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink, { maxPendingPerApp: 100, maxPendingTotal: 1 });
    await p.process(bruteForce('flood', '203.0.113.66', 0)); // 1 waiting: at the total bound
    let resolved = false;
    const second = p.process(bruteForce('flood', '203.0.113.67', 1)).then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    expect(p.pending.total).toBe(2);
    sink.releaseAll(); // the first lands: 1 waiting again
    await settle();
    expect(resolved).toBe(true);
    sink.releaseAll();
    await settledPromptly(second);
    expect(await settledPromptly(p.drain())).toHaveProperty('value');
    expect(p.pending.total).toBe(0);
  });

  it('on abort ends at once, and checkpoints nothing past the unwritten, even if the held write lands later', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink);
    const controller = new AbortController();
    await p.process(bruteForce('flood', '203.0.113.66', 0), [], controller.signal);
    for (const from of [70, 80, 90]) await p.process(quiet('victim', from, 10), [], controller.signal);
    expect(p.processor.lastCheckpoint).not.toBeNull();
    const draining = p.drain(controller.signal);
    controller.abort(new Error('stop deadline passed'));
    expect(await settledPromptly(draining)).toMatchObject({ name: 'AbortError', message: 'stop deadline passed' });
    sink.releaseAll(); // the write the abort abandoned lands after all
    await settle();
    expect(p.safe).toBeNull();
    expect(await settledPromptly(p.process(quiet('victim', 100, 10), [], controller.signal))).toMatchObject({ name: 'AbortError' });
    expect(p.safe).toBeNull();
  });

  it('close ends the lanes\' retries: what they hold stays unwritten and nothing more is safe', async () => {
    const sink = new HoldingSink('flood');
    const p = lanes(sink);
    await p.process(bruteForce('flood', '203.0.113.66', 0));
    for (const from of [70, 80, 90]) await p.process(quiet('victim', from, 10));
    p.close();
    sink.releaseAll();
    await settle();
    expect(p.safe).toBeNull();
    expect(await settledPromptly(p.drain())).toMatchObject({ name: 'AbortError' });
  });
});
