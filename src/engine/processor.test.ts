import type { AppConfig } from '../core/app-config';
import { resolveAppConfig, StaticAppConfigSource } from './app-settings';
import type { Logger } from '../core/ports';
import { DedupIndex } from './dedup';
import { PROCESSOR_DEFAULTS, ShardProcessor } from './processor';
import { MemoryResponseStore } from '../sinks/memory-store';
import type { SecurityResponse } from '../core/response';
import type { ShardRecord } from './types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlaybook } from '../playbooks/parse';
import { at, BASE_TIME, loginFailure, loginSuccess, rawRecord, times, toRecords } from '../testing/factories';
import { builtInDetectors } from '../../detectors';
import loginBruteForce from '../../detectors/login-brute-force';
import { RecordingLogger } from '../../test/helpers/recording-logger';

const ip = '203.0.113.7';
const defaults = new StaticAppConfigSource(builtInDetectors);

function processor(options: Partial<ConstructorParameters<typeof ShardProcessor>[0]> = {}) {
  return new ShardProcessor({ shardId: 'shardId-000000000000', config: defaults, ...options });
}

describe('timeliness', () => {
  it('drops and counts events older than the allowed lateness', async () => {
    const p = processor({ latenessSeconds: 30 });
    await p.processBatch(toRecords([loginFailure({ ip: '192.0.2.1', at: 100 })]));
    const { responses } = await p.processBatch(toRecords(times(12, (i) => loginFailure({ ip, at: 50 + i }))));
    expect(p.stats.late).toBe(12);
    expect(responses).toEqual([]);
  });

  it('counts reports up to the allowed lateness', async () => {
    const p = processor({ latenessSeconds: 60 });
    await p.processBatch(toRecords([loginFailure({ ip: '192.0.2.1', at: 100 })]));
    const { responses } = await p.processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: 45 + i }))));
    expect(p.stats.late).toBe(0);
    expect(responses.map((r) => r.target.value)).toEqual([ip]);
  });

  it('rejects an event far ahead of its arrival time, with the reason, without moving the watermark', async () => {
    const p = processor({ futureToleranceSeconds: 60 });
    const [record] = toRecords([loginFailure({ ip, at: 3600 })]);
    const { deadLetters } = await p.processBatch([{ ...record!, arrivalTime: BASE_TIME }]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]!.reason).toMatch(/^ts: .* is 3600000 ms after the record reached Kinesis \(.*\); at most 60000 ms is allowed/);
    expect(p.maxEventTime).toBe(-Infinity);
    expect(p.stats.future).toBe(1);
  });

  it('names the exact figures of an event just past the tolerance, so the reason cannot read as a contradiction', async () => {
    const p = processor({ futureToleranceSeconds: 300 });
    const [record] = toRecords([loginFailure({ ip, at: 300.4 })]);
    const { deadLetters } = await p.processBatch([{ ...record!, arrivalTime: BASE_TIME }]);
    expect(deadLetters[0]!.reason).toContain(`is 300400 ms after the record reached Kinesis (${new Date(BASE_TIME).toISOString()}); at most 300000 ms is allowed`);
  });
});

describe('applications sharing a shard', () => {
  // Within the future tolerance (300 s) and beyond the lateness (120 s): on today's clocks, every
  // event of the other application would be late.
  const AHEAD_S = 250;
  const arrivingAt = (seconds: number) => (record: ShardRecord): ShardRecord => ({ ...record, arrivalTime: BASE_TIME + seconds * 1000 });

  /**
   * Runs `input` in batches, then replays from every checkpoint offered (a crash right after it, the
   * responses of the batches so far written) and expects the same response ids; returns the responses.
   */
  async function replaysFromEveryCheckpoint(input: readonly ShardRecord[], batchSize: number): Promise<SecurityResponse[]> {
    const runFrom = async (from: number, history: MemoryResponseStore) => {
      const q = processor({ history });
      const batches: { responses: SecurityResponse[]; resumeAt: number | null }[] = [];
      for (let i = from; i < input.length; i += batchSize) {
        const outcome = await q.processBatch(input.slice(i, i + batchSize));
        await history.write(outcome.responses);
        const offered = outcome.checkpoint?.sequenceNumber;
        batches.push({ responses: outcome.responses, resumeAt: offered === undefined ? null : input.findIndex((r) => r.sequenceNumber === offered) + 1 });
      }
      return batches;
    };
    const full = await runFrom(0, new MemoryResponseStore());
    const expected = full.flatMap((b) => b.responses.map((r) => r.id)).sort();
    const cuts = full.flatMap((b, batch) => (b.resumeAt === null ? [] : [{ resumeAt: b.resumeAt, batch }]));
    expect(cuts.length).toBeGreaterThan(3);
    for (const { resumeAt, batch } of cuts) {
      const store = new MemoryResponseStore();
      await store.write(full.slice(0, batch + 1).flatMap((b) => b.responses));
      await runFrom(resumeAt, store);
      expect(store.all().map((r) => r.id).sort()).toEqual(expected);
    }
    return full.flatMap((b) => b.responses);
  }

  it('an application whose events claim to be ahead cannot make another’s events late', async () => {
    const p = processor();
    const rogue = toRecords(times(5, (i) => loginFailure({ ip: '198.51.100.66', app: 'rogue', at: AHEAD_S + i }))).map((r, i) => arrivingAt(i)(r));
    const honest = toRecords(times(10, (i) => loginFailure({ ip, app: 'honest', at: 1 + i })));
    const { responses, deadLetters } = await p.processBatch([...rogue, ...honest]);
    expect(deadLetters).toEqual([]);
    expect(p.stats.late).toBe(0);
    expect(responses.map((r) => [r.appId, r.target.value])).toEqual([['honest', ip]]);
  });

  it('the ahead application’s own events still count at their own times', async () => {
    const p = processor();
    const rogue = toRecords(times(10, (i) => loginFailure({ ip: '198.51.100.66', app: 'rogue', at: AHEAD_S + i }))).map((r, i) => arrivingAt(i)(r));
    const { responses } = await p.processBatch(rogue);
    expect(responses.map((r) => [r.appId, r.createdAt])).toEqual([['rogue', at(AHEAD_S + 9)]]);
  });

  it('replaying from every checkpoint offered with such an application on the shard gives the same responses', async () => {
    // The rogue application reports ahead, all the time, beside an honest one that is attacked now and then.
    const events = times(6000, (i) => {
      const second = i / 4;
      if (i % 2 === 0) return { event: loginFailure({ ip: `198.51.100.${i % 7}`, app: 'rogue', login: `r${i % 13}`, at: second + AHEAD_S }), arrival: second };
      const attacker = Math.floor(second / 200) % 3 === 0 ? ip : `192.0.2.${i % 50}`;
      return { event: loginFailure({ ip: attacker, app: 'honest', login: `h${i % 11}`, at: second }), arrival: second + 0.5 };
    });
    const input = events.map(({ event, arrival }) => arrivingAt(arrival)(toRecords([event])[0] as ShardRecord));
    const responses = await replaysFromEveryCheckpoint(input, 150);
    expect(responses.filter((r) => r.appId === 'honest').map((r) => r.target.value)).toContain(ip);
  });

  it('a checkpoint never leaves behind events reported ahead that a window still needs', async () => {
    // A quiet honest application moves the clock; the rogue one tries ten logins reported 230–290 s
    // ahead, then, ~13 minutes later, ten more: twenty within the 10-minute window of credential
    // stuffing (7 s apart: no brute force). A checkpoint between the bursts would lose the first on a replay.
    const rogue = (from: number, arrival: number, ahead: number) =>
      toRecords(times(10, (i) => loginFailure({ ip: '198.51.100.66', app: 'rogue', login: `u${from + i}`, at: arrival + ahead + 7 * i }))).map(arrivingAt(arrival));
    const quiet = (second: number) => toRecords([loginFailure({ ip: `192.0.2.${second % 250}`, app: 'honest', login: `h${second}`, at: second })]).map(arrivingAt(second + 0.5));
    const input = times(1600, (second) => [...quiet(second), ...(second === 10 ? rogue(0, 10, 230) : []), ...(second === 780 ? rogue(10, 780, -10) : [])]).flat();
    const responses = await replaysFromEveryCheckpoint(input, 50);
    expect(responses.map((r) => [r.appId, r.detector, r.target.value])).toEqual([['rogue', 'credential-stuffing', '198.51.100.66']]);
  });
});

describe('bad records', () => {
  it('are dead-lettered with shard, sequence number, size and a preview, and never stop the batch', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 'x');
    const records = [rawRecord('not json'), rawRecord(big), rawRecord(Buffer.from([0xff, 0xfe])), ...toRecords(times(10, (i) => loginFailure({ ip, at: i })))];
    const { deadLetters, responses } = await processor().processBatch(records);
    expect(deadLetters.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^not JSON/),
      'record is 1048577 bytes; an event is at most 1048576 bytes',
      'record is not valid UTF-8',
    ]);
    expect(deadLetters[0]).toMatchObject({ shardId: 'shardId-000000000000', sequenceNumber: records[0]!.sequenceNumber, subSequenceNumber: 0, size: 8 });
    expect(Buffer.from(deadLetters[1]!.preview, 'base64')).toHaveLength(256);
    expect(responses).toHaveLength(1);
  });

  it('are logged with where they came from', async () => {
    const warnings: object[] = [];
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (obj) => warnings.push(obj) };
    const record = rawRecord('{');
    await processor({ logger }).processBatch([record]);
    expect(warnings).toEqual([expect.objectContaining({ shardId: 'shardId-000000000000', sequenceNumber: record.sequenceNumber, reason: expect.stringMatching(/^not JSON/) })]);
  });
});

describe('duplicates', () => {
  it('are counted once across batches', async () => {
    const p = processor();
    const events = times(9, (i) => loginFailure({ ip, at: i, id: `agent-1:${i}` }));
    await p.processBatch(toRecords(events));
    const { responses } = await p.processBatch(toRecords(events));
    expect(p.stats.duplicates).toBe(9);
    expect(responses).toEqual([]);
  });

  it('are told apart per application', async () => {
    const p = processor();
    await p.processBatch(toRecords([loginFailure({ ip, at: 0, id: 'a:1', app: 'shop' }), loginFailure({ ip, at: 0, id: 'a:1', app: 'blog' })]));
    expect(p.stats.duplicates).toBe(0);
  });

  it('are recognised by the windows themselves, with no index of every id (built-in detectors)', async () => {
    const p = processor();
    const events = times(5000, (i) => loginFailure({ ip: `10.0.${i >> 8}.${i & 255}`, at: i / 100, id: `agent:${i}` }));
    await p.processBatch(toRecords(events));
    await p.processBatch(toRecords(events.slice(0, 100)));
    expect(p.stats.duplicates).toBe(100);
    expect((p as unknown as { dedup: DedupIndex }).dedup.size).toBe(0);
  });
});

describe('the index of event ids (for window kinds that need it)', () => {
  it('stays within its bound, evicting the oldest ids', () => {
    const index = new DedupIndex(1000);
    const ids = index.forApp('app-1');
    for (let i = 0; i < 5000; i++) index.seen(ids, `agent:${i}`, BASE_TIME + i);
    expect(index.size).toBeLessThanOrEqual(1000);
    expect(index.evicted).toBeGreaterThan(0);
    expect(index.seen(ids, 'agent:4999', BASE_TIME)).toBe(true);
  });

  it('forgets ids whose events are older than the watermark', () => {
    const index = new DedupIndex(1000);
    const ids = index.forApp('app-1');
    index.seen(ids, 'old', BASE_TIME);
    index.seen(ids, 'new', BASE_TIME + 60_000);
    index.expire(BASE_TIME + 30_000);
    expect(index.size).toBe(1);
    expect([index.seen(ids, 'new', 0), index.seen(ids, 'old', 0)]).toEqual([true, false]);
  });
});

describe('responses already in the store', () => {
  it('suppress a new response to the same target from the same detector', async () => {
    const history = new MemoryResponseStore();
    const first = await processor({ history }).processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: i }))));
    await history.write(first.responses);
    const { responses } = await processor({ history }).processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: 100 + i }))));
    expect(responses).toEqual([]);
  });

  it('make a repeat offender’s next response longer', async () => {
    const history = new MemoryResponseStore();
    const first = await processor({ history }).processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: i }))));
    await history.write(first.responses);
    const { responses } = await processor({ history }).processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: 2000 + i }))));
    expect(responses.map((r) => (Date.parse(r.expiresAt) - Date.parse(r.createdAt)) / 1000)).toEqual([1800]);
  });
});

describe('configuration', () => {
  it('is picked up between batches; unchanged detectors keep their windows', async () => {
    let config: AppConfig = resolveAppConfig('apps.app-1', builtInDetectors, {}, {});
    const p = processor({ config: { forApp: () => config } });
    await p.processBatch(toRecords(times(8, (i) => loginFailure({ ip, login: `u${i}`, at: i }))));
    config = resolveAppConfig('apps.app-1', builtInDetectors, {}, { detectors: { 'login-brute-force': { threshold: 3 } } });
    const { responses } = await p.processBatch(toRecords(times(15, (i) => loginFailure({ ip, login: `u${8 + i}`, at: 10 + i }))));
    // brute force restarted its count under the new threshold; credential stuffing kept its 8 logins
    expect(responses.map((r) => [r.detector, r.createdAt])).toEqual([
      ['login-brute-force', at(12)],
      ['credential-stuffing', at(21)],
    ]);
  });
});

describe('the memory budget', () => {
  it('bounds window state under a flood of fresh actors, and an attacker active throughout is still caught', async () => {
    // 20,000 windows hold about 7 s of this flood (3 windows per fresh actor); the attacker reports
    // every second, so it stays among the recently seen.
    const p = processor({ maxWindowStates: 20_000 });
    const flood = times(50_000, (i) => loginFailure({ ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, login: `u${i}`, at: i / 1000 }));
    const attacker = times(10, (i) => loginFailure({ ip, at: 40 + i }));
    const events = [...flood.slice(0, 40_000), ...attacker.slice(0, 5), ...flood.slice(40_000, 45_000), ...attacker.slice(5), ...flood.slice(45_000)];
    let banned: string[] = [];
    for (let i = 0; i < events.length; i += 1000) {
      const { responses } = await p.processBatch(toRecords(events.slice(i, i + 1000)));
      banned = banned.concat(responses.map((r) => r.target.value));
      expect(p.trackedWindows).toBeLessThanOrEqual(20_000);
    }
    expect(p.budget.evicted).toBeGreaterThan(100_000);
    expect(banned).toEqual([ip]);
  });

  it('expires idle state within a turn of the clock as event time moves on', async () => {
    const config = { forApp: () => resolveAppConfig('apps.app-1', [loginBruteForce], {}, {}) };
    const p = processor({ config, latenessSeconds: 10 });
    await p.processBatch(toRecords(times(100, (i) => loginFailure({ ip: `10.0.0.${i}`, at: 0 }))));
    expect(p.trackedWindows).toBe(100);
    // Still inside the window: nothing may go.
    for (let t = 1; t < 70; t += 2) await p.processBatch(toRecords([loginFailure({ ip, at: t })]));
    expect(p.trackedWindows).toBe(101);
    // Idle for longer than lateness plus window: gone within one turn (lateness + window of event time).
    for (let t = 71; t < 71 + 2 * 70; t += 2) await p.processBatch(toRecords([loginFailure({ ip, at: t })]));
    expect(p.trackedWindows).toBe(1);
  });
});

describe('a store that cannot be read', () => {
  it.each([
    { name: 'a transient failure is retried', failure: new Error('ProvisionedThroughputExceededException'), reads: 3 },
    {
      name: 'a failure no retry mends (a validation error) is not',
      failure: Object.assign(new Error('ExclusiveStartKey does not match the schema'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
      reads: 1,
    },
  ])('$name; then the application goes on without its history, and no event is lost', async ({ failure, reads }) => {
    let calls = 0;
    const errors: object[] = [];
    const history = {
      recentPage: async () => {
        calls++;
        throw failure;
      },
    };
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj) => errors.push(obj) };
    const p = processor({ history, logger, historyRetryDelaysMs: [1, 1] });
    const { responses } = await p.processBatch(toRecords(times(10, (i) => loginFailure({ ip, at: i }))));
    expect(calls).toBe(reads);
    expect(errors).toHaveLength(1);
    expect(responses.map((r) => r.target.value)).toEqual([ip]);
  });

  it('is read again when it recovers', async () => {
    let calls = 0;
    const history = {
      recentPage: async () => {
        if (++calls === 1) throw new Error('timeout');
        return { responses: [], next: undefined };
      },
    };
    const p = processor({ history, historyRetryDelaysMs: [1] });
    await p.processBatch(toRecords([loginFailure({ ip, at: 0 })]));
    expect(calls).toBe(2);
  });
});

describe('duplicates in a sequence playbook (a window kind without id hashes)', () => {
  it('are kept out by the index of ids', async () => {
    const parsed = parsePlaybook(readFileSync(join(__dirname, '../../playbooks/successful-brute-force.yaml'), 'utf8'), 'successful-brute-force.yaml');
    if (!parsed.ok) throw new Error('the example playbook is invalid');
    const config: AppConfig = { ...resolveAppConfig('apps.app-1', [], {}, {}), detectors: [parsed.playbook.detector] };
    const failures = times(4, (i) => loginFailure({ ip, login: 'alice', at: i, id: `agent:${i}` }));
    const success = loginSuccess({ ip, login: 'alice', at: 10, id: 'agent:9' });
    const p = processor({ config: { forApp: () => config } });
    // Four failures, each delivered twice, then a success: four, not eight, so no sequence of five.
    const { responses } = await p.processBatch(toRecords([...failures, ...failures, success]));
    expect(p.stats.duplicates).toBe(4);
    expect(responses).toEqual([]);
    const fifth = await p.processBatch(toRecords([loginFailure({ ip, login: 'alice', at: 5, id: 'agent:5' }), loginSuccess({ ip, login: 'alice', at: 11, id: 'agent:10' })]));
    expect(fifth.responses.map((r) => r.target)).toEqual([{ type: 'user', value: 'alice' }]);
  });
});

describe('the responses one application may be given per second of event time', () => {
  /** Ten failed logins of `app` from `ip`, the tenth (the brute force) at `second` + 0.9 s. */
  const bruteForce = (app: string, ip: string, second: number) => times(10, (i) => loginFailure({ app, ip, at: second + i / 10, id: `${app}-${ip}-${second}:${i}` }));

  it('sheds what one application is given beyond its rate, counted and logged, and leaves the other applications alone', async () => {
    const logger = new RecordingLogger();
    const p = new ShardProcessor({ shardId: 's', config: new StaticAppConfigSource([loginBruteForce]), maxResponsesPerAppSecond: 3, logger });
    // Five brute forces of the flooder crossing their threshold in the same second, interleaved with one of the victim.
    const flood = times(5, (n) => bruteForce('flood', `10.0.0.${n + 1}`, 0));
    const events = [...flood.flat(), ...bruteForce('victim', '203.0.113.7', 0)].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    const outcome = await p.processBatch(toRecords(events));
    const given = (app: string) => outcome.responses.filter((r) => r.appId === app).map((r) => r.target.value);
    expect(given('flood')).toHaveLength(3);
    expect(given('victim')).toEqual(['203.0.113.7']);
    expect(p.stats.apps.get('flood')?.responsesShed).toBe(2);
    expect(p.stats.apps.get('victim')?.responsesShed).toBe(0);
    expect(p.stats.responsesShed).toBe(2);
    // Logged at the first shed, then at most every 10 s (with what was shed since).
    expect(logger.entries.filter((e) => /shedding/.test(e.msg ?? '')).map((e) => e.obj)).toEqual([{ shardId: 's', appId: 'flood', shed: 1, limit: 3 }]);

    // The shed targets go on failing in the next second: now they are answered.
    const shed = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].filter((ip) => !given('flood').includes(ip));
    const next = await p.processBatch(toRecords(shed.map((ip, k) => loginFailure({ app: 'flood', ip, at: 1.2 + k / 10, id: `again-${ip}` }))));
    expect(next.responses.map((r) => r.target.value).sort()).toEqual(shed.sort());
  });

  it('is 200 a second by default, and a rate that is not a whole number >= 1 is refused', () => {
    expect(PROCESSOR_DEFAULTS.maxResponsesPerAppSecond).toBe(200);
    expect(() => new ShardProcessor({ shardId: 's', config: new StaticAppConfigSource([loginBruteForce]), maxResponsesPerAppSecond: 0 })).toThrow(/maxResponsesPerAppSecond: 0 is not allowed/);
  });
});

