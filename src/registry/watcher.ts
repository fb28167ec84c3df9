/**
 * A running server's view of the registry: a snapshot in memory (applications by id, and by the hash
 * of each agent token), refreshed in the background. Every `refreshMs` it asks the store for its
 * version mark and reloads only when the mark moved; it also reloads every `fullReloadMs` whatever
 * the mark says, in case a write died between its record and its mark. If the store cannot be read,
 * the last snapshot keeps serving and the failure is logged and reported by `health`.
 */
import type { Subscription } from 'rxjs';
import { silentLogger, type Logger } from '../core/ports';
import { poll } from '../shared/rx';
import type { AppRecord } from './app-record';
import { RegistryError, type RegistryStore } from './store';
import { AGENT_TOKEN, hashToken } from './tokens';

export interface RegistrySnapshot {
  readonly apps: ReadonlyMap<string, AppRecord>;
  readonly appByTokenHash: ReadonlyMap<string, string>;
  readonly version: string;
  readonly loadedAtMs: number;
}

export interface WatcherOptions {
  /** How often the version mark is read; a new application or token is served within about this long. */
  refreshMs?: number;
  fullReloadMs?: number;
  logger?: Logger;
  clock?: () => number;
}

export interface RegistryHealth {
  loaded: boolean;
  apps: number;
  /** Epoch ms of the last successful check of the store. */
  checkedAtMs: number | null;
  lastError: string | null;
}

const EMPTY: RegistrySnapshot = { apps: new Map(), appByTokenHash: new Map(), version: '', loadedAtMs: 0 };

export class RegistryWatcher {
  #snapshot: RegistrySnapshot = EMPTY;
  #loaded = false;
  #checkedAtMs: number | null = null;
  #lastError: string | null = null;
  #broken: string | null = null;
  #polling: Subscription | undefined;
  #inFlight: Promise<boolean> | undefined;
  readonly #refreshMs: number;
  readonly #fullReloadMs: number;
  readonly #logger: Logger;
  readonly #clock: () => number;

  constructor(
    private readonly store: RegistryStore,
    options: WatcherOptions = {},
  ) {
    this.#refreshMs = options.refreshMs ?? 2000;
    this.#fullReloadMs = options.fullReloadMs ?? 60_000;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
  }

  get snapshot(): RegistrySnapshot {
    return this.#snapshot;
  }

  /** Loads the registry (throws if it cannot be read: a server must not start blind) and keeps it fresh. */
  async start(): Promise<void> {
    await this.refresh({ force: true, rethrow: true });
    // refresh() logs and reports its own failures.
    this.#polling ??= poll(this.#refreshMs, () => this.refresh(), () => undefined);
  }

  stop(): void {
    this.#polling?.unsubscribe();
    this.#polling = undefined;
  }

  /** The application a token belongs to, or undefined for a malformed, unknown or revoked token. */
  authenticate(token: string): string | undefined {
    if (!AGENT_TOKEN.test(token)) return undefined;
    // A map lookup by hash is safe from timing attacks: the hashes of valid tokens are unknown to the
    // caller, and the timing of a lookup tells nothing about the token that would match.
    return this.#snapshot.appByTokenHash.get(hashToken(token));
  }

  health(): RegistryHealth {
    return { loaded: this.#loaded, apps: this.#snapshot.apps.size, checkedAtMs: this.#checkedAtMs, lastError: this.#lastError };
  }

  /**
   * Why the registry is broken — its content cannot be read as a registry, which waiting will not
   * cure (someone must mend it) — or null. A store that cannot be reached is not broken: that passes,
   * and restarting the server would not help (see api/health.ts).
   */
  broken(): string | null {
    return this.#broken;
  }

  /** Checks the store now; resolves true when the snapshot changed. Concurrent calls share one check. */
  refresh(options: { force?: boolean; rethrow?: boolean } = {}): Promise<boolean> {
    if (this.#inFlight !== undefined && options.force !== true) return this.#inFlight;
    const run = this.#check(options.force === true).then(
      (changed) => {
        this.#lastError = null;
        this.#broken = null;
        this.#checkedAtMs = this.#clock();
        return changed;
      },
      (error: unknown) => {
        this.#lastError = (error as Error).message;
        if (error instanceof RegistryError && error.code === 'invalid_registry') this.#broken = error.message;
        this.#logger.error({ err: error, registry: this.store.location }, 'application registry refresh failed; serving the last snapshot');
        if (options.rethrow === true) throw error;
        return false;
      },
    );
    const tracked = run.finally(() => {
      if (this.#inFlight === tracked) this.#inFlight = undefined;
    });
    this.#inFlight = tracked;
    return tracked;
  }

  async #check(force: boolean): Promise<boolean> {
    const now = this.#clock();
    const version = await this.store.version();
    const due = force || !this.#loaded || now - this.#snapshot.loadedAtMs >= this.#fullReloadMs;
    if (!due && version === this.#snapshot.version) return false;
    const { records, problems } = await this.store.list();
    for (const problem of problems) this.#logger.error({ registry: this.store.location }, `application registry: ${problem}; the application is skipped`);
    const previous = this.#snapshot;
    const next = buildSnapshot(records, version, now, previous);
    this.#snapshot = next;
    this.#loaded = true;
    const changed = next.apps !== previous.apps;
    if (changed) this.#logger.info({ apps: next.apps.size, registry: this.store.location }, 'application registry loaded');
    return changed;
  }
}

/** Keeps the previous maps when no record changed, so readers can compare by identity. */
function buildSnapshot(records: readonly AppRecord[], version: string, now: number, previous: RegistrySnapshot): RegistrySnapshot {
  const same =
    records.length === previous.apps.size &&
    records.every((r) => {
      const old = previous.apps.get(r.appId);
      return old !== undefined && old.revision === r.revision && old.updatedAt === r.updatedAt;
    });
  if (same) return { ...previous, version, loadedAtMs: now };
  const apps = new Map<string, AppRecord>();
  const appByTokenHash = new Map<string, string>();
  for (const record of records) {
    apps.set(record.appId, record);
    for (const token of record.tokens) appByTokenHash.set(token.hash, record.appId);
  }
  return { apps, appByTokenHash, version, loadedAtMs: now };
}
