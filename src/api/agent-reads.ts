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
 * taken, so a change may appear behind a cursor that has moved past it. Two rules cover that:
 * each answer re-sends the changes of the last `settleMs` (agents apply a response by id, so a repeat
 * is harmless), and a cursor only moves to what was read at least `settleMs` before. A writer whose
 * change shows up more than `settleMs` after its key was taken (a clock that far off) can be missed.
 */
import { changeKeyOf, type ResponseReader, type StoredResponse } from '../core/ports';
import type { ResponseCache } from '../cache/response-cache';

export interface ReadOptions {
  clock?: () => number;
  settleMs?: number;
  tailMs?: number;
  /** Most changes kept in the cached tail. */
  tailLimit?: number;
  pageSize?: number;
}

export interface ActiveRead {
  responses: StoredResponse[];
  /** A change key: the agent has everything up to it. */
  cursor: string;
}

export interface ChangesRead {
  /** Changes after the cursor, oldest first, including recent repeats (see above). */
  responses: StoredResponse[];
  cursor: string;
  /** Another page follows at once. */
  more: boolean;
  /** Some change is newer than the cursor the agent sent (not only repeats). */
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

  constructor(
    private readonly reader: ResponseReader,
    private readonly cache: ResponseCache,
    options: ReadOptions = {},
  ) {
    this.#clock = options.clock ?? Date.now;
    this.settleMs = options.settleMs ?? 5000;
    this.#tailMs = options.tailMs ?? 10 * 60_000;
    this.#tailLimit = options.tailLimit ?? 1000;
    this.#pageSize = options.pageSize ?? 500;
  }

  async active(appId: string): Promise<ActiveRead> {
    const cached = await this.cache.read<CachedActive>(appId, 'active', async () => {
      const loadedAtMs = this.#clock();
      return { loadedAtMs, responses: await this.reader.active(appId, loadedAtMs) };
    });
    const now = this.#clock();
    const responses = cached.responses.filter((r) => Date.parse(r.expiresAt) > now);
    return { responses, cursor: changeKeyOf(cached.loadedAtMs - this.settleMs, '') };
  }

  async changesSince(appId: string, cursor: string): Promise<ChangesRead> {
    const now = this.#clock();
    const recent = changeKeyOf(now - this.settleMs, '');
    const from = cursor < recent ? cursor : recent;
    const tail = await this.cache.read<CachedTail>(appId, 'tail', () => this.#loadTail(appId));
    let items: StoredResponse[];
    let horizon: string;
    const fromTail = from >= tail.anchor ? tail.items.filter((r) => r.changeKey > from) : undefined;
    if (fromTail !== undefined && (!tail.truncated || fromTail.length > this.#pageSize)) {
      items = fromTail;
      horizon = changeKeyOf(tail.loadedAtMs - this.settleMs, '');
    } else {
      items = await this.reader.changes(appId, from, this.#pageSize + 1);
      horizon = recent;
    }
    const more = items.length > this.#pageSize;
    if (more) items = items.slice(0, this.#pageSize);
    const last = items.at(-1)?.changeKey ?? '';
    let next = cursor;
    if (more) next = last;
    else for (const key of [last, horizon]) if (key > next) next = key;
    return { responses: items, cursor: next, more, news: last > cursor };
  }

  async #loadTail(appId: string): Promise<CachedTail> {
    const loadedAtMs = this.#clock();
    const anchor = changeKeyOf(loadedAtMs - this.#tailMs, '');
    const items = await this.reader.changes(appId, anchor, this.#tailLimit + 1);
    const truncated = items.length > this.#tailLimit;
    return { anchor, loadedAtMs, items: truncated ? items.slice(0, this.#tailLimit) : items, truncated };
  }
}
