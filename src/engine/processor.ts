/**
 * The shard processor: one per Kinesis shard, driven by the KCL child or the local poller, or by
 * `riposte replay`. It turns a batch of records into the responses to write and the position that
 * is safe to checkpoint once they are written.
 *
 * A batch runs in two passes. The first decodes every record, which tells which applications appear
 * for the first time; their past responses are read from the history (the only I/O, once per
 * application). The second pass is synchronous and in shard order: timeliness, duplicates, then
 * every detector of the event's application and type.
 */
import type { AppConfig, AppConfigSource } from '../core/app-config';
import type { DeadLetter, Logger, ResponseHistory } from '../core/ports';
import { silentLogger } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import { DEFAULT_IPV6_PREFIX } from '../events/actor-ip';
import { decodeEvent } from '../events/decode';
import { idHash } from '../events/id-hash';
import type { RiposteEvent } from '../events/schema';
import { WindowBudget, type WindowTable } from '../window/keyed';
import { DUPLICATE, type WindowMatch } from '../window/types';
import { Watermark } from '../window/watermark';
import { AppContext } from './app-context';
import { CheckpointPlanner } from './checkpoint';
import type { CompiledDetector, CompiledSignal } from './compile';
import { DedupIndex } from './dedup';
import { ResponseLedger } from './ledger';
import { decideResponse } from './respond';
import { ShardStats } from './stats';
import { deadLetterOf, type BatchOutcome, type Position, type ShardRecord } from './types';

export interface ProcessorOptions {
  shardId: string;
  config: AppConfigSource;
  /** Responses written before this processor started; without it, none. */
  history?: ResponseHistory;
  logger?: Logger;
  /** How far behind the newest event time a report may arrive and still count. */
  latenessSeconds?: number;
  /** How far ahead of its arrival time an event time may be. */
  futureToleranceSeconds?: number;
  /** The memory budget: window states (one per group and detector signal) kept at most. */
  maxWindowStates?: number;
  /** Event ids remembered for duplicate detection, at most. */
  maxDedupIds?: number;
  /** Past and decided responses kept at most; by default a quarter of the window budget's memory (ledgerEntriesFor). */
  maxLedgerEntries?: number;
  /** Waits between attempts to read a page of history that failed transiently (ledger.ts, LEDGER_DEFAULTS). */
  historyRetryDelaysMs?: readonly number[];
  /**
   * Responses one application may be given per second of the shard's event-time clock; those beyond
   * are shed (see `fire`). Bounds what one application's flood asks of the writes that every
   * application on the shard waits for (drivers/shard-pipeline.ts).
   */
  maxResponsesPerAppSecond?: number;
}

/**
 * What to plan per window state when turning a memory budget into `maxWindowStates`: about 115
 * bytes are held per state once tables settle (bench/run.ts), and growing tables double, so at the
 * limit a processor holds up to about twice that. 320 leaves room for the garbage not yet collected.
 */
export const PLANNED_BYTES_PER_WINDOW = 320;

export function windowsForBudget(megabytes: number): number {
  return Math.floor((megabytes * 1024 * 1024) / PLANNED_BYTES_PER_WINDOW);
}

/**
 * What to plan per response the ledger holds: about 540 bytes were measured with one response per
 * target (the entry, its id and detector strings, the target's key and list), the worst case.
 */
export const PLANNED_BYTES_PER_LEDGER_ENTRY = 600;

/**
 * The responses ledger's share of the memory a window budget plans for: a quarter. A month of an
 * application's responses read on its first event must not take a shard's memory.
 */
export function ledgerEntriesFor(maxWindowStates: number): number {
  return Math.max(1, Math.floor((maxWindowStates * PLANNED_BYTES_PER_WINDOW) / 4 / PLANNED_BYTES_PER_LEDGER_ENTRY));
}

export const PROCESSOR_DEFAULTS = {
  latenessSeconds: 120,
  futureToleranceSeconds: 300,
  maxWindowStates: 1_000_000,
  maxDedupIds: 500_000,
  // Below what the embedded stack writes under a flood (~325 a second in all: README, "One
  // application flooding"), so that one application cannot fill its write lane for good; far above
  // what an attack on an honest application yields (a brute force: one response).
  maxResponsesPerAppSecond: 200,
} as const;

/** What an application runs while no configuration of it can: nothing, so none of its events is counted. */
const INERT_CONFIG: AppConfig = { detectors: [], allowlist: { ips: [], users: [] }, repeatOffenders: { factor: 1, lookbackSeconds: 0, maxDurationSeconds: 1 }, ipv6Prefix: DEFAULT_IPV6_PREFIX };

const SWEEP_EVERY_MS = 1000;
const EVICTION_LOG_INTERVAL_MS = 10_000;
const SHED_LOG_INTERVAL_MS = 10_000;

/** An application's responses in the current second of the shard's clock, and what was shed since last logged. */
interface ResponseRate {
  second: number;
  given: number;
  shedSinceLog: number;
  loggedAt: number;
}

export class ShardProcessor {
  readonly shardId: string;
  readonly stats = new ShardStats();
  readonly budget: WindowBudget;
  private readonly config: AppConfigSource;
  private readonly logger: Logger;
  private readonly watermark: Watermark;
  private readonly planner = new CheckpointPlanner();
  private readonly dedup: DedupIndex;
  private readonly ledger: ResponseLedger;
  private readonly apps = new Map<string, AppContext>();
  private readonly latenessMs: number;
  private maxWindowMs = 0;
  private lastSweep = -Infinity;
  private lastEvictionLog = { at: 0, evicted: 0 };
  /** Applications whose configuration could not run, with the last reason logged. */
  private readonly refusedConfigs = new Map<string, string>();
  private responses: SecurityResponse[] = [];
  private deadLetters: DeadLetter[] = [];
  private readonly maxResponsesPerAppSecond: number;
  private readonly responseRates = new Map<string, ResponseRate>();

  constructor(options: ProcessorOptions) {
    const o = { ...PROCESSOR_DEFAULTS, ...options };
    this.shardId = o.shardId;
    this.config = o.config;
    this.logger = o.logger ?? silentLogger;
    this.latenessMs = o.latenessSeconds * 1000;
    this.watermark = new Watermark(this.latenessMs, o.futureToleranceSeconds * 1000);
    this.budget = new WindowBudget(o.maxWindowStates);
    this.dedup = new DedupIndex(o.maxDedupIds);
    this.maxResponsesPerAppSecond = o.maxResponsesPerAppSecond;
    if (!Number.isInteger(this.maxResponsesPerAppSecond) || this.maxResponsesPerAppSecond < 1) {
      throw new Error(`maxResponsesPerAppSecond: ${this.maxResponsesPerAppSecond} is not allowed; expected a whole number >= 1`);
    }
    this.ledger = new ResponseLedger(o.history, this.logger, {
      maxEntries: o.maxLedgerEntries ?? ledgerEntriesFor(o.maxWindowStates),
      ...(o.historyRetryDelaysMs === undefined ? {} : { retryDelaysMs: o.historyRetryDelaysMs }),
    });
  }

  /** The largest event time seen on this shard (ms), or -Infinity. */
  get maxEventTime(): number {
    return this.watermark.maxEventTime;
  }

  /** The last checkpoint this processor offered. */
  get lastCheckpoint(): Position | null {
    return this.planner.lastOffered;
  }

  /** `signal` ends a history read in flight (the only I/O): the batch then rejects with the abort. */
  async processBatch(records: readonly ShardRecord[], signal?: AbortSignal): Promise<BatchOutcome> {
    this.refreshConfigs();
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as ShardRecord;
      const clockBefore = this.watermark.clock;
      const maxBefore = this.watermark.maxEventTime;
      this.stats.records++;
      this.stats.bytes += record.data.byteLength;
      const result = decodeEvent(record.data);
      if (result.ok) {
        const appId = result.event.appId;
        // The only await of the loop: once per application in the life of the processor, its past
        // responses are read before its first event is judged.
        const ctx = this.apps.get(appId) ?? (await this.createContext(appId, result.time, signal));
        const appStats = ctx.stats;
        appStats.records++;
        const arrival = record.arrivalTime;
        if (arrival !== undefined && arrival > appStats.batchNewestArrival) {
          if (appStats.batchNewestArrival === -Infinity) this.stats.batchApps.push(appId);
          appStats.batchNewestArrival = arrival;
        }
        this.consider(record, ctx, result.event, result.time);
      } else {
        this.deadLetter(record, result.reason);
      }
      this.planner.observe(record, clockBefore, this.watermark.clock, maxBefore);
    }

    this.housekeeping();
    const outcome: BatchOutcome = {
      responses: this.responses,
      deadLetters: this.deadLetters,
      checkpoint: this.planner.offer(this.watermark.value - this.maxWindowMs),
    };
    this.responses = [];
    this.deadLetters = [];
    return outcome;
  }

  /** Drops every window: the shard's lease moved elsewhere, or the processor is done. */
  close(): void {
    for (const ctx of this.apps.values()) ctx.clear();
    this.apps.clear();
  }

  /** Number of window states held, across applications and detectors. */
  get trackedWindows(): number {
    return this.budget.size;
  }

  private consider(record: ShardRecord, ctx: AppContext, event: RiposteEvent, time: number): void {
    const timeliness = this.watermark.classify(time, record.arrivalTime);
    if (timeliness === 'late') {
      this.stats.late++;
      return;
    }
    if (timeliness === 'future') {
      this.stats.future++;
      // Exact milliseconds: rounded to seconds, 300.4 s ahead of a 300 s tolerance read "300 s; at most 300 s".
      const arrival = record.arrivalTime as number;
      this.deadLetter(
        record,
        `ts: ${event.ts} is ${time - arrival} ms after the record reached Kinesis (${new Date(arrival).toISOString()}); at most ${this.watermark.futureToleranceMs} ms is allowed (is the agent's clock right?)`,
      );
      return;
    }
    this.stats.accepted++;
    const props = event.props;
    if (props !== undefined && props.blockedBy !== undefined) {
      this.stats.blockedByResponse++;
      return;
    }
    if (ctx.allowlisted(event)) {
      this.stats.allowlisted++;
      return;
    }
    const subscriptions = ctx.byType[event.type];
    const oldestOnTime = this.watermark.value;
    // The id is hashed only when a signal wants the event; most events no signal wants. Count and
    // distinct windows recognise a repeated report themselves; other kinds ask the index of ids.
    let hash = -1;
    let indexed = 0; // 0: not asked yet, 1: new id, 2: seen before
    let duplicate = false;
    for (let i = 0; i < subscriptions.length; i++) {
      const { detector, signal } = subscriptions[i] as { detector: CompiledDetector; signal: CompiledSignal };
      if (!signal.match.test(event)) continue;
      if (hash === -1) hash = idHash(event.id);
      if (!signal.duplicateSafe && hash !== 0) {
        if (indexed === 0) indexed = this.dedup.seen(ctx.seenIds, event.id as string, time) ? 2 : 1;
        if (indexed === 2) {
          duplicate = true;
          continue;
        }
      }
      const key = detector.groupKey(event);
      if (key === undefined) continue;
      const match = signal.observe(key, event, time, oldestOnTime, hash);
      if (match === DUPLICATE) duplicate = true;
      else if (match !== null) this.fire(ctx, detector, signal, event, time, match);
    }
    if (duplicate) this.stats.duplicates++;
    if (this.budget.over()) this.evictWindows();
  }

  private fire(ctx: AppContext, detector: CompiledDetector, signal: CompiledSignal, event: RiposteEvent, time: number, match: WindowMatch): void {
    this.stats.detections++;
    this.stats.bump(this.stats.detectionsByDetector, detector.name);
    const response = decideResponse(this.ledger, ctx, detector, signal, event, time, match);
    if (response === null) {
      this.stats.suppressed++;
      return;
    }
    if (!this.withinResponseRate(ctx.appId)) return;
    this.ledger.record(response);
    this.responses.push(response);
    this.stats.responses++;
    this.stats.bump(this.stats.responsesByDetector, detector.name);
  }

  /**
   * Whether the application may be given one more response in the current second of the shard's
   * event-time clock. Beyond `maxResponsesPerAppSecond` the response is shed: not written, not in the
   * ledger, so the target is answered at its next detection if its attack goes on. The decision reads
   * only the clock and the order of records, and a checkpoint is only ever taken where the clock
   * enters a new second (checkpoint.ts), where every count starts again: a replay sheds the same.
   */
  private withinResponseRate(appId: string): boolean {
    const second = Math.floor(this.watermark.clock / 1000);
    let rate = this.responseRates.get(appId);
    if (rate === undefined) {
      rate = { second, given: 0, shedSinceLog: 0, loggedAt: 0 };
      this.responseRates.set(appId, rate);
    } else if (rate.second !== second) {
      rate.second = second;
      rate.given = 0;
    }
    if (rate.given < this.maxResponsesPerAppSecond) {
      rate.given++;
      return true;
    }
    this.stats.app(appId).responsesShed++;
    this.stats.responsesShed++;
    rate.shedSinceLog++;
    const clock = Date.now(); // for log pacing only; decisions never read the clock
    if (clock - rate.loggedAt >= SHED_LOG_INTERVAL_MS) {
      this.logger.warn(
        { shardId: this.shardId, appId, shed: rate.shedSinceLog, limit: this.maxResponsesPerAppSecond },
        'an application is given more responses a second than allowed: shedding the rest (each target is answered at its next detection if its attack goes on)',
      );
      rate.loggedAt = clock;
      rate.shedSinceLog = 0;
    }
    return false;
  }

  private deadLetter(record: ShardRecord, reason: string): void {
    this.stats.rejected++;
    const letter = deadLetterOf(this.shardId, record, reason);
    this.deadLetters.push(letter);
    this.logger.warn(
      { shardId: letter.shardId, sequenceNumber: letter.sequenceNumber, subSequenceNumber: letter.subSequenceNumber, partitionKey: letter.partitionKey, reason },
      'record rejected',
    );
  }

  private async createContext(appId: string, firstEventTime: number, signal: AbortSignal | undefined): Promise<AppContext> {
    const config = this.configOf(appId);
    const policy = (config ?? INERT_CONFIG).repeatOffenders;
    const reach = Math.max(policy.lookbackSeconds, policy.maxDurationSeconds) * 1000;
    const unreadBefore = this.ledger.unread;
    await this.ledger.load(appId, firstEventTime - this.latenessMs - reach, signal);
    this.stats.historyUnread += this.ledger.unread - unreadBefore;
    const existing = this.apps.get(appId);
    if (existing !== undefined) return existing;
    let ctx: AppContext | undefined;
    if (config !== undefined) {
      try {
        ctx = new AppContext(appId, config, this.dedup.forApp(appId), this.budget, this.latenessMs, undefined, this.stats.app(appId));
      } catch (error) {
        this.configRefused(appId, error);
      }
    }
    // A configuration that cannot run stops only its own application: its events are not counted
    // until one that runs arrives (refreshConfigs), and the shard moves on.
    ctx ??= new AppContext(appId, INERT_CONFIG, this.dedup.forApp(appId), this.budget, this.latenessMs, undefined, this.stats.app(appId));
    this.adopt(appId, ctx);
    return ctx;
  }

  /**
   * The application's configuration, or undefined when the source cannot give one: a source throwing
   * must not reject the batch, or the shard would replay into the same failure for ever.
   */
  private configOf(appId: string): AppConfig | undefined {
    try {
      return this.config.forApp(appId);
    } catch (error) {
      this.configRefused(appId, error);
      return undefined;
    }
  }

  /** Counted every time; logged when the reason changes, not at every batch. */
  private configRefused(appId: string, error: unknown): void {
    this.stats.configRefused++;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.refusedConfigs.get(appId) === reason) return;
    this.refusedConfigs.set(appId, reason);
    const current = this.apps.get(appId)?.config;
    const running = current !== undefined && current !== INERT_CONFIG ? 'its previous configuration' : 'nothing: its events are not counted';
    this.logger.error({ shardId: this.shardId, appId, running, err: error }, `application configuration cannot run; the application runs ${running}`);
  }

  private adopt(appId: string, ctx: AppContext): void {
    this.apps.set(appId, ctx);
    if (ctx.config !== INERT_CONFIG) this.refusedConfigs.delete(appId);
    this.maxWindowMs = Math.max(this.maxWindowMs, ctx.maxWindowMs);
  }

  /** Picks up configuration changes between batches; windows of unchanged detectors are kept. */
  private refreshConfigs(): void {
    for (const [appId, ctx] of this.apps) {
      const config = this.configOf(appId);
      if (config === undefined) continue;
      if (config === ctx.config) {
        this.refusedConfigs.delete(appId);
        continue;
      }
      try {
        const next = new AppContext(appId, config, ctx.seenIds, this.budget, this.latenessMs, ctx);
        this.adopt(appId, next);
        this.logger.info({ appId, detectors: next.detectors.map((d) => d.name) }, 'application configuration reloaded');
      } catch (error) {
        this.configRefused(appId, error);
      }
    }
  }

  private *allWindows(): Generator<{ windows: WindowTable; windowMs: number }> {
    for (const ctx of this.apps.values()) {
      for (const d of ctx.detectors) for (const s of d.signals) yield { windows: s.windows, windowMs: s.windowMs };
    }
  }

  /** Expires idle windows and ids once per second of event time; logs evictions now and then. */
  private housekeeping(): void {
    const now = this.watermark.maxEventTime;
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      const oldestOnTime = this.watermark.value;
      for (const { windows, windowMs } of this.allWindows()) windows.expire(oldestOnTime - windowMs, now);
      this.dedup.expire(oldestOnTime);
      const reach = Math.max(...[...this.apps.values()].map((c) => c.config.repeatOffenders.lookbackSeconds), 0) * 1000;
      this.ledger.expire(oldestOnTime - reach - this.latenessMs);
    }
    const evicted = this.budget.evicted + this.dedup.evicted;
    const clock = Date.now(); // for log pacing only; decisions never read the clock
    if (evicted > this.lastEvictionLog.evicted && clock - this.lastEvictionLog.at >= EVICTION_LOG_INTERVAL_MS) {
      this.logger.warn(
        { shardId: this.shardId, windowsEvicted: this.budget.evicted, idsEvicted: this.dedup.evicted, trackedWindows: this.budget.size, limit: this.budget.limit },
        'memory budget reached: evicting the least recently seen actors (a flood of fresh actors?)',
      );
      this.lastEvictionLog = { at: clock, evicted };
    }
  }

  private evictWindows(): void {
    const batch = Math.max(1, Math.floor(this.budget.limit / 100));
    const now = this.watermark.maxEventTime;
    while (this.budget.over()) {
      let largest: WindowTable | undefined;
      for (const { windows } of this.allWindows()) if (largest === undefined || windows.size > largest.size) largest = windows;
      if (largest === undefined || largest.size === 0) return;
      largest.evict(Math.min(batch, this.budget.size - this.budget.limit + batch), now);
    }
  }
}
