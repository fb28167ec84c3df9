/**
 * The responses a shard processor knows of, per application: those it decided, and those already
 * written before it started (read once per application from the ResponseHistory). It answers two
 * questions when a detector fires: is this target already under a response from this detector
 * (then it is not answered again), and how many responses did this target get in the look-back
 * (repeat offenders get longer ones)?
 *
 * Both are asked at the firing event's time. Repeat offenders count only responses created before
 * that time, so a replay that finds in the store responses the interrupted run wrote later in event
 * time ignores them until it reaches them, and decides as the first run did.
 *
 * Memory: at most `maxEntries` responses across applications (the processor gives it a quarter of
 * its memory budget, see processor.ts). The history is read a page at a time and each page added as it
 * comes, so a month of an application's responses is never held whole. Beyond the limit the targets
 * touched least recently are forgotten first, counted and logged: one of them may then be answered
 * again before its response ends, or count as a first offender — a bounded shard is worth that.
 */
import { isAbort } from '../core/abort';
import type { HistoryPage, Logger, ResponseHistory } from '../core/ports';
import { targetKey, type SecurityResponse } from '../core/response';

interface Entry {
  id: string;
  detector: string;
  createdAt: number;
  expiresAt: number;
  simulated: boolean;
}

export interface LedgerOptions {
  /** Responses kept at most, across applications (the processor's share of its budget: ledgerEntriesFor in processor.ts). */
  maxEntries: number;
  /** Responses asked of the history per page. */
  pageSize?: number;
  /** Waits between attempts to read a page of history that failed transiently; then the application goes on without it. */
  retryDelaysMs?: readonly number[];
}

const LEDGER_DEFAULTS = { pageSize: 1000, retryDelaysMs: [250, 1000, 4000, 15_000] } as const;
const EVICTION_LOG_INTERVAL_MS = 10_000;

export class ResponseLedger {
  /** Entries by application and target (`appId \0 targetKey`), least recently touched first. */
  private readonly byTarget = new Map<string, Entry[]>();
  private readonly loaded = new Set<string>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly maxEntries: number;
  private readonly pageSize: number;
  private readonly retryDelaysMs: readonly number[];
  private entries = 0;
  /** Responses forgotten to stay within maxEntries. */
  evicted = 0;
  /** Applications that started without (all of) their history: the store kept failing. */
  unread = 0;
  private lastEvictionLog = { at: 0, evicted: 0 };

  constructor(
    private readonly history: ResponseHistory | undefined,
    private readonly logger: Logger,
    options: LedgerOptions,
  ) {
    this.maxEntries = options.maxEntries;
    this.pageSize = options.pageSize ?? LEDGER_DEFAULTS.pageSize;
    this.retryDelaysMs = options.retryDelaysMs ?? LEDGER_DEFAULTS.retryDelaysMs;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new Error(`maxEntries: ${this.maxEntries} is not allowed; expected a whole number >= 1`);
  }

  /** Responses held, across applications. */
  get size(): number {
    return this.entries;
  }

  /**
   * Reads what the store holds for `appId` since `sinceMs`, once, a page at a time. This is the one
   * place a history read is retried (the drivers hand the store in unwrapped): a store that keeps
   * failing is retried for a while (retryDelaysMs, ~20 s by default); after that the application
   * starts with what was read — logged as an error, counted in `unread` — rather than never, so a
   * history store that is down costs repeat-offender look-back, never the shard's progress.
   * An abort of `signal` ends the read at once (it rejects with the abort).
   */
  async load(appId: string, sinceMs: number, signal?: AbortSignal): Promise<void> {
    if (this.loaded.has(appId)) return;
    let pending = this.loading.get(appId);
    if (pending === undefined) {
      pending = this.read(appId, sinceMs, signal)
        .then(() => void this.loaded.add(appId))
        .finally(() => this.loading.delete(appId));
      this.loading.set(appId, pending);
    }
    await pending;
  }

  private async read(appId: string, sinceMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.history === undefined) return;
    let after: string | undefined;
    do {
      const page = await this.readPage(this.history, appId, sinceMs, after, signal);
      if (page === undefined) {
        this.unread++;
        return;
      }
      for (const response of page.responses) this.add(response);
      after = page.next;
    } while (after !== undefined);
  }

  private async readPage(history: ResponseHistory, appId: string, sinceMs: number, after: string | undefined, signal: AbortSignal | undefined): Promise<HistoryPage | undefined> {
    const onRetry = (error: unknown, next: { delayMs: number }): void => this.logger.warn({ appId, err: error, retryInMs: next.delayMs }, 'cannot read past responses; retrying');
    // Loaded at the first read: the retry policy is written with rxjs, a tenth of the start of a
    // `riposte replay`, which reads no history. With require, not import(): under tsx (the test
    // fixtures' and benchmarks' runner) import() goes to Node's ESM loader, which cannot load .ts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { delaysPolicy, retrying } = require('../shared/retry') as typeof import('../shared/retry');
    try {
      return await retrying(() => history.recentPage(appId, sinceMs, after, this.pageSize), delaysPolicy(this.retryDelaysMs), { signal, onRetry });
    } catch (error) {
      // An abort is the reader going away (a stop, a lost lease), not a store failure: retrying it
      // on a timer held the stop up for ~20 s.
      if (isAbort(error)) throw error;
      this.logger.error({ appId, err: error }, 'cannot read past responses; going on without them: a target banned before may be banned again, and repeat offenders are not recognised');
      return undefined;
    }
  }

  record(response: SecurityResponse): void {
    this.add(response);
  }

  /**
   * Whether a response of `detector` to `key` covers a detection at `time`: one in force then (or
   * whose cooldown is), or one created less than a window after it — a late report completing a
   * window that already fired is the same attack, not a new one. A response with the id about to be
   * issued does not count: that is a replay meeting its own earlier decision.
   */
  suppressing(appId: string, detector: string, key: string, time: number, idOf: () => string, windowMs: number, cooldownMs: number): boolean {
    const entries = this.byTarget.get(slot(appId, key));
    if (entries === undefined) return false;
    for (const e of entries) {
      if (e.detector !== detector) continue;
      if (time > e.createdAt - windowMs && time < Math.max(e.expiresAt, e.createdAt + cooldownMs)) {
        // Only a response triggered at this very time can be this decision itself.
        if (e.createdAt !== time || e.id !== idOf()) return true;
      }
    }
    return false;
  }

  /** Responses to `key` created in [time - lookbackMs, time), enforced ones only unless `simulated`. */
  priorCount(appId: string, key: string, time: number, lookbackMs: number, simulated: boolean, id: string): number {
    const entries = this.byTarget.get(slot(appId, key));
    if (entries === undefined) return 0;
    let count = 0;
    for (const e of entries) {
      if (e.id !== id && e.simulated === simulated && e.createdAt < time && e.createdAt >= time - lookbackMs) count++;
    }
    return count;
  }

  /** Forgets responses that can no longer suppress or count: expired and older than `beforeMs`. */
  expire(beforeMs: number): void {
    for (const [key, entries] of this.byTarget) {
      const kept = entries.filter((e) => e.createdAt >= beforeMs || e.expiresAt >= beforeMs);
      this.entries -= entries.length - kept.length;
      if (kept.length === 0) this.byTarget.delete(key);
      else if (kept.length !== entries.length) this.byTarget.set(key, kept);
    }
  }

  private add(response: SecurityResponse): void {
    const key = slot(response.appId, targetKey(response.target.type, response.target.value));
    let entries = this.byTarget.get(key);
    if (entries === undefined) {
      entries = [];
    } else {
      if (entries.some((e) => e.id === response.id)) return;
      this.byTarget.delete(key); // re-inserted below: the most recently touched target
    }
    this.byTarget.set(key, entries);
    entries.push({
      id: response.id,
      detector: response.detector,
      createdAt: Date.parse(response.createdAt),
      expiresAt: Date.parse(response.expiresAt),
      simulated: response.simulated,
    });
    this.entries++;
    if (this.entries > this.maxEntries) this.evict(key);
  }

  /** Forgets the targets touched least recently until within maxEntries (never `keep`, just added). */
  private evict(keep: string): void {
    for (const [key, entries] of this.byTarget) {
      if (this.entries <= this.maxEntries) break;
      if (key === keep) continue;
      this.byTarget.delete(key);
      this.entries -= entries.length;
      this.evicted += entries.length;
    }
    const clock = Date.now(); // for log pacing only; decisions never read the clock
    if (clock - this.lastEvictionLog.at >= EVICTION_LOG_INTERVAL_MS) {
      this.logger.warn(
        { responsesEvicted: this.evicted - this.lastEvictionLog.evicted, held: this.entries, limit: this.maxEntries },
        'response ledger full: forgetting the responses of the targets seen least recently (a target banned before may be banned again)',
      );
      this.lastEvictionLog = { at: clock, evicted: this.evicted };
    }
  }
}

function slot(appId: string, targetKey: string): string {
  return `${appId}\0${targetKey}`;
}
