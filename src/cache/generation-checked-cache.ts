/**
 * The agent API's cache, checked against the responses store's generation of each application
 * (ResponseReader.generation, raised after every write and revocation). Invalidation alone trusts
 * that every writer reached the cache: a write made while Redis was away, or a Redis that came back
 * from an older snapshot, left reads cached from before the write — agents were served them for the
 * rest of the TTL (54 s observed).
 *
 * Each cached read is kept with the generation known when it was loaded (read before the load, so it
 * can only be too low: then it is loaded once more, never served stale). A read whose generation is
 * below the store's current one is not served: the application's cached reads are dropped and
 * loaded again. The store's generation is asked at most once per `checkEveryMs` per application and
 * process, shared by every read meanwhile: a change whose invalidation was lost is served within
 * that long (default 1 s, within the 5 s agents' cursors already allow a change to come to light).
 * If the store cannot say, the last known generation is used: the cache is never a reason to fail.
 */
import { silentLogger, type Logger } from '../core/ports';
import type { ResponseCache } from './response-cache';

export interface GenerationSource {
  generation(appId: string): Promise<number>;
}

export interface GenerationCheckOptions {
  checkEveryMs?: number;
  clock?: () => number;
  logger?: Logger;
}

/** What the inner cache holds: the read and the generation it was loaded at. */
interface Stamped<T> {
  generation: number;
  value: T;
}

interface Known {
  generation: number;
  checkedAtMs: number;
  pending: Promise<number> | undefined;
}

const DEFAULT_GENERATION_CHECK_MS = 1000;
const KNOWN_MAX = 4096;

export class GenerationCheckedCache implements ResponseCache {
  readonly #known = new Map<string, Known>();
  readonly #checkEveryMs: number;
  readonly #clock: () => number;
  readonly #logger: Logger;
  #lastErrorLogMs = 0;

  constructor(
    private readonly inner: ResponseCache,
    private readonly source: GenerationSource,
    options: GenerationCheckOptions = {},
  ) {
    this.#checkEveryMs = options.checkEveryMs ?? DEFAULT_GENERATION_CHECK_MS;
    this.#clock = options.clock ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
  }

  async read<T>(appId: string, field: string, load: () => Promise<T>): Promise<T> {
    const current = await this.#current(appId);
    const stamped = (): Promise<Stamped<T>> => this.inner.read<Stamped<T>>(appId, field, async () => ({ generation: current, value: await load() }));
    const cached = await stamped();
    if (isCurrent(cached, current)) return cached.value;
    // Cached before a change whose invalidation never arrived: drop it for every reader, load again.
    try {
      await this.inner.invalidate([appId]);
    } catch (error) {
      this.#failed(error, 'cannot drop cached agent reads older than the responses store; reading the store directly');
      return load();
    }
    const fresh = await stamped();
    return isCurrent(fresh, current) ? fresh.value : load();
  }

  invalidate(appIds: readonly string[]): Promise<void> {
    return this.inner.invalidate(appIds);
  }

  /** The store's generation of `appId`, asked at most once per checkEveryMs; concurrent readers share one ask. */
  #current(appId: string): Promise<number> {
    const now = this.#clock();
    let known = this.#known.get(appId);
    if (known === undefined) {
      known = { generation: -1, checkedAtMs: -Infinity, pending: undefined };
      this.#known.set(appId, known);
      if (this.#known.size > KNOWN_MAX) this.#known.delete(this.#known.keys().next().value as string);
    }
    if (now - known.checkedAtMs < this.#checkEveryMs) return Promise.resolve(known.generation);
    if (known.pending !== undefined) return known.pending;
    const entry = known;
    entry.pending = this.source
      .generation(appId)
      .then(
        (generation) => {
          entry.generation = Math.max(entry.generation, generation);
          entry.checkedAtMs = now;
          return entry.generation;
        },
        (error: unknown) => {
          this.#failed(error, 'cannot read the responses store generation; cached agent reads are served unchecked');
          return entry.generation;
        },
      )
      .finally(() => (entry.pending = undefined));
    return entry.pending;
  }

  #failed(error: unknown, message: string): void {
    const now = Date.now();
    // Once every 10 s at most: an outage must not flood the log with one line per request.
    if (now - this.#lastErrorLogMs < 10_000) return;
    this.#lastErrorLogMs = now;
    this.#logger.warn({ err: error }, message);
  }
}

/** A cached read of the current generation (a value cached before stamps existed has none: not current). */
function isCurrent<T>(cached: Stamped<T>, current: number): boolean {
  return typeof cached.generation === 'number' && cached.generation >= current;
}
