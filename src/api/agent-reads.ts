/**
 * The agent API's reads of the responses store, through the per-application cache.
 *
 * Two cached reads per application:
 * - `active`: the responses in force (expired ones are filtered out when served).
 * - `tail`: every change of the last `tailMs` (created, revoked), oldest first. A poll with a cursor
 *   inside the tail is answered from it, so all the agents of an application share one cached read,
 *   whatever their cursors; a cursor older than the tail reads the store directly.
 *
 * Change keys come from the writers' clocks and a write becomes visible a moment after its key was
 * taken, so a change may appear behind a cursor that has moved past it. Hence the cursor's two keys
 * (cursor.ts): reads start from `safe`, which only moves to what was read at least `settleMs` before,
 * and from no later than `settleMs` ago — so the changes of the last `settleMs` are sent again
 * (agents apply a response by id, so a repeat is harmless) — while only changes after `seen` count as
 * news that ends a long-poll. A writer whose change shows up more than `settleMs` after its key was
 * taken (a clock that far off) can be missed.
 *
 * Paging (more changes than a page): the next page starts at the cursor's `next`, the last change
 * given. `safe` only moves as far as the first page's read vouches for (what was visible then up to
 * where that page ended), and not at all on later pages: they start after keys whose late writes they
 * cannot see. Once the wave is paged through, reads start from `safe` again, so a change that became
 * visible late behind a page is delivered then (with repeats, applied by id).
 */
import { changeKeyOf, type ResponseReader, type StoredResponse } from '../core/ports';
import { GenerationCheckedCache } from '../cache/generation-checked-cache';
import type { ResponseCache } from '../cache/response-cache';
import type { AgentCursor } from './cursor';

export interface ReadOptions {
  clock?: () => number;
  settleMs?: number;
  tailMs?: number;
  /** Most changes kept in the cached tail. */
  tailLimit?: number;
  pageSize?: number;
  /** How often the store's generation of an application is asked, at most (generation-checked-cache.ts). */
  generationCheckMs?: number;
}

export interface ActiveRead {
  responses: StoredResponse[];
  cursor: AgentCursor;
}

export interface ChangesRead {
  /** Changes after the cursor, oldest first, including recent repeats (see above). */
  responses: StoredResponse[];
  cursor: AgentCursor;
  /** Another page follows at once. */
  more: boolean;
  /** Some change is newer than what the agent has seen (not only repeats). */
  news: boolean;
}

interface CachedActive {
  loadedAtMs: number;
  responses: StoredResponse[];
}

interface CachedTail {
  anchor: string;
  loadedAtMs: number;
  items: StoredResponse[];
  truncated: boolean;
}

export class AgentReads {
  readonly settleMs: number;
  readonly #clock: () => number;
  readonly #tailMs: number;
  readonly #tailLimit: number;
  readonly #pageSize: number;
  readonly #activeReads = new WeakMap<CachedActive, { read: ActiveRead; validUntilMs: number }>();
  private readonly cache: ResponseCache;

  constructor(
    private readonly reader: ResponseReader,
    cache: ResponseCache,
    options: ReadOptions = {},
  ) {
    this.#clock = options.clock ?? Date.now;
    // Invalidations can be lost (Redis away, or back with old data): the store's generation decides.
    this.cache = new GenerationCheckedCache(cache, reader, { clock: this.#clock, checkEveryMs: options.generationCheckMs });
    this.settleMs = options.settleMs ?? 5000;
    this.#tailMs = options.tailMs ?? 10 * 60_000;
    this.#tailLimit = options.tailLimit ?? 1000;
    this.#pageSize = options.pageSize ?? 500;
  }

  /**
   * The active responses. The same ActiveRead object comes back while the cached read and the set of
   * unexpired responses are unchanged, so callers can keep what they derive from it (a serialized
   * body, an ETag) by identity.
   */
  async active(appId: string): Promise<ActiveRead> {
    const cached = await this.cache.read<CachedActive>(appId, 'active', async () => {
      const loadedAtMs = this.#clock();
      return { loadedAtMs, responses: await this.reader.active(appId, loadedAtMs) };
    });
    const now = this.#clock();
    const known = this.#activeReads.get(cached);
    if (known !== undefined && now < known.validUntilMs) return known.read;
    let validUntilMs = Infinity;
    const responses = cached.responses.filter((r) => {
      const expiresAtMs = Date.parse(r.expiresAt);
      if (expiresAtMs > now && expiresAtMs < validUntilMs) validUntilMs = expiresAtMs;
      return expiresAtMs > now;
    });
    let seen = changeKeyOf(cached.loadedAtMs, '');
    for (const r of cached.responses) if (r.changeKey > seen) seen = r.changeKey;
    const read = { responses, cursor: { safe: changeKeyOf(cached.loadedAtMs - this.settleMs, ''), seen } };
    this.#activeReads.set(cached, { read, validUntilMs });
    return read;
  }

  async changesSince(appId: string, cursor: AgentCursor): Promise<ChangesRead> {
    const now = this.#clock();
    const recent = changeKeyOf(now - this.settleMs, '');
    const from = cursor.next ?? min(cursor.safe, recent);
    const tail = await this.cache.read<CachedTail>(appId, 'tail', () => this.#loadTail(appId));
    let items: StoredResponse[];
    let readAtMs: number;
    const fromTail = from >= tail.anchor ? tail.items.filter((r) => r.changeKey > from) : undefined;
    if (fromTail !== undefined && (!tail.truncated || fromTail.length > this.#pageSize)) {
      items = fromTail;
      readAtMs = tail.loadedAtMs;
    } else {
      items = await this.reader.changes(appId, from, this.#pageSize + 1);
      readAtMs = now;
    }
    const more = items.length > this.#pageSize;
    if (more) items = items.slice(0, this.#pageSize);
    const last = items.at(-1)?.changeKey ?? '';
    const news = last > cursor.seen;
    // Every change up to `settled` was visible when the read was made (the settle time), so a read
    // from `safe` or before has given all of those up to where it ended. A page that started after
    // `safe` vouches for nothing: changes behind its start may still come to light.
    const settled = changeKeyOf(readAtMs - this.settleMs, '');
    const safe = from <= cursor.safe ? max(cursor.safe, more ? min(last, settled) : settled) : cursor.safe;
    if (more) return { responses: items, cursor: { safe, seen: max(cursor.seen, last), next: last }, more, news };
    return { responses: items, cursor: { safe, seen: max(cursor.seen, last, changeKeyOf(readAtMs, ''), safe) }, more, news };
  }

  async #loadTail(appId: string): Promise<CachedTail> {
    const loadedAtMs = this.#clock();
    const anchor = changeKeyOf(loadedAtMs - this.#tailMs, '');
    const items = await this.reader.changes(appId, anchor, this.#tailLimit + 1);
    const truncated = items.length > this.#tailLimit;
    return { anchor, loadedAtMs, items: truncated ? items.slice(0, this.#tailLimit) : items, truncated };
  }
}

function min(a: string, b: string): string {
  return a < b ? a : b;
}

function max(...keys: string[]): string {
  let m = '';
  for (const k of keys) if (k > m) m = k;
  return m;
}
