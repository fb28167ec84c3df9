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
 */
import type { Logger, ResponseHistory } from '../core/ports';
import { targetKey, type SecurityResponse } from '../core/response';

interface Entry {
  id: string;
  detector: string;
  createdAt: number;
  expiresAt: number;
  simulated: boolean;
}

interface AppLedger {
  byTarget: Map<string, Entry[]>;
  size: number;
}

export class ResponseLedger {
  private readonly apps = new Map<string, AppLedger>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly history: ResponseHistory | undefined,
    private readonly logger: Logger,
    private readonly retryDelaysMs: readonly number[] = [250, 1000, 4000, 15_000],
  ) {}

  /**
   * Reads what the store holds for `appId` since `sinceMs`, once. A store that keeps failing is
   * retried for a while (the shard cannot write its responses then anyway); after that the
   * application starts without its history — logged as an error — rather than never.
   */
  async load(appId: string, sinceMs: number): Promise<void> {
    if (this.apps.has(appId)) return;
    let pending = this.loading.get(appId);
    if (pending === undefined) {
      pending = (async () => {
        const known = await this.read(appId, sinceMs);
        const ledger: AppLedger = { byTarget: new Map(), size: 0 };
        this.apps.set(appId, ledger);
        for (const response of known) this.add(ledger, response);
      })().finally(() => this.loading.delete(appId));
      this.loading.set(appId, pending);
    }
    await pending;
  }

  private async read(appId: string, sinceMs: number): Promise<readonly SecurityResponse[]> {
    if (this.history === undefined) return [];
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.history.recent(appId, sinceMs);
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined) {
          this.logger.error({ appId, err: error }, 'cannot read past responses; going on without them: a target banned before may be banned again, and repeat offenders are not recognised');
          return [];
        }
        this.logger.warn({ appId, err: error, retryInMs: delay }, 'cannot read past responses; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  record(response: SecurityResponse): void {
    let ledger = this.apps.get(response.appId);
    if (ledger === undefined) {
      ledger = { byTarget: new Map(), size: 0 };
      this.apps.set(response.appId, ledger);
    }
    this.add(ledger, response);
  }

  /**
   * Whether a response of `detector` to `key` covers a detection at `time`: one in force then (or
   * whose cooldown is), or one created less than a window after it — a late report completing a
   * window that already fired is the same attack, not a new one. A response with the id about to be
   * issued does not count: that is a replay meeting its own earlier decision.
   */
  suppressing(appId: string, detector: string, key: string, time: number, idOf: () => string, windowMs: number, cooldownMs: number): boolean {
    const entries = this.apps.get(appId)?.byTarget.get(key);
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
    const entries = this.apps.get(appId)?.byTarget.get(key);
    if (entries === undefined) return 0;
    let count = 0;
    for (const e of entries) {
      if (e.id !== id && e.simulated === simulated && e.createdAt < time && e.createdAt >= time - lookbackMs) count++;
    }
    return count;
  }

  /** Forgets responses that can no longer suppress or count: expired and older than `beforeMs`. */
  expire(beforeMs: number): void {
    for (const ledger of this.apps.values()) {
      for (const [key, entries] of ledger.byTarget) {
        const kept = entries.filter((e) => e.createdAt >= beforeMs || e.expiresAt >= beforeMs);
        ledger.size -= entries.length - kept.length;
        if (kept.length === 0) ledger.byTarget.delete(key);
        else if (kept.length !== entries.length) ledger.byTarget.set(key, kept);
      }
    }
  }

  private add(ledger: AppLedger, response: SecurityResponse): void {
    const key = targetKey(response.target.type, response.target.value);
    let entries = ledger.byTarget.get(key);
    if (entries === undefined) {
      entries = [];
      ledger.byTarget.set(key, entries);
    }
    if (entries.some((e) => e.id === response.id)) return;
    entries.push({
      id: response.id,
      detector: response.detector,
      createdAt: Date.parse(response.createdAt),
      expiresAt: Date.parse(response.expiresAt),
      simulated: response.simulated,
    });
    ledger.size++;
  }
}
