/**
 * The agent API's read cache, per application. Agents poll often and responses change rarely, so
 * each application's reads are cached until a response of that application is written or revoked
 * (`invalidate`), or for `ttlMs` at most. A load that raced with an invalidation is returned to its
 * callers but not cached, so the cache never keeps what was read before a change.
 */
export interface ResponseCache {
  /**
   * The cached `field` of `appId`, or what `load` returns (then cached). Values are JSON data and
   * are shared between callers: never mutate one.
   */
  read<T>(appId: string, field: string, load: () => Promise<T>): Promise<T>;
  /** Drops every cached read of these applications; resolves once no reader can see them any more. */
  invalidate(appIds: readonly string[]): Promise<void>;
}

export const DEFAULT_CACHE_TTL_MS = 60_000;

interface Entry {
  value: unknown;
  expiresAtMs: number;
}

interface AppEntries {
  generation: number;
  fields: Map<string, Entry>;
}

/** The cache of a single process without Redis (embedded mode): the same contract, in memory. */
export class MemoryResponseCache implements ResponseCache {
  readonly #apps = new Map<string, AppEntries>();
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ttlMs = DEFAULT_CACHE_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async read<T>(appId: string, field: string, load: () => Promise<T>): Promise<T> {
    let app = this.#apps.get(appId);
    if (app === undefined) {
      app = { generation: 0, fields: new Map() };
      this.#apps.set(appId, app);
    }
    const hit = app.fields.get(field);
    if (hit !== undefined && hit.expiresAtMs > this.clock()) return hit.value as T;
    const generation = app.generation;
    const key = `${appId}\n${field}\n${generation}`;
    let pending = this.#inFlight.get(key) as Promise<T> | undefined;
    if (pending === undefined) {
      const entries = app;
      pending = load()
        .then((value) => {
          if (entries.generation === generation) entries.fields.set(field, { value, expiresAtMs: this.clock() + this.ttlMs });
          return value;
        })
        .finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  async invalidate(appIds: readonly string[]): Promise<void> {
    for (const appId of appIds) {
      const app = this.#apps.get(appId);
      if (app === undefined) continue;
      app.generation++;
      app.fields.clear();
    }
  }
}
