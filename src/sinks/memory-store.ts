/**
 * Responses kept in memory: the store of `riposte replay`, of the DetectorTester, and of unit tests.
 * It keeps the contract of the DynamoDB store — a response id is written once; revoking moves it in
 * the change feed — so code tested against it behaves the same against the real one.
 */
import { changeKeyOf, monotonicClock, type HistoryPage, type ResponseHistory, type ResponseReader, type ResponseSink, type StoredResponse } from '../core/ports';
import { responseKey, type SecurityResponse } from '../core/response';

export class MemoryResponseStore implements ResponseHistory, ResponseSink, ResponseReader {
  private readonly byId = new Map<string, StoredResponse>();
  private readonly generations = new Map<string, number>();
  private readonly tick: () => number;

  constructor(clock: () => number = Date.now) {
    this.tick = monotonicClock(clock);
  }

  async write(responses: readonly SecurityResponse[]): Promise<void> {
    for (const r of responses) {
      const key = responseKey(r.appId, r.id);
      if (!this.byId.has(key)) this.byId.set(key, { ...r, revokedAt: null, changeKey: changeKeyOf(this.tick(), r.id) });
    }
    for (const appId of new Set(responses.map((r) => r.appId))) this.bump(appId);
  }

  async generation(appId: string): Promise<number> {
    return this.generations.get(appId) ?? 0;
  }

  private bump(appId: string): void {
    this.generations.set(appId, (this.generations.get(appId) ?? 0) + 1);
  }

  async recent(appId: string, sinceMs: number): Promise<readonly StoredResponse[]> {
    return this.all().filter((r) => r.appId === appId && Date.parse(r.expiresAt) >= sinceMs);
  }

  /** A page of `recent`, soonest expiry first; `next` is the offset of the page after. */
  async recentPage(appId: string, sinceMs: number, after: string | undefined, limit: number): Promise<HistoryPage> {
    const all = (await this.recent(appId, sinceMs)).slice().sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || (a.id < b.id ? -1 : 1));
    const from = after === undefined ? 0 : Number(after);
    const to = from + limit;
    return { responses: all.slice(from, to), next: to < all.length ? String(to) : undefined };
  }

  async active(appId: string, nowMs: number): Promise<StoredResponse[]> {
    return this.all().filter((r) => r.appId === appId && r.revokedAt === null && Date.parse(r.expiresAt) > nowMs);
  }

  async changes(appId: string, afterChangeKey: string | null, limit: number): Promise<StoredResponse[]> {
    return this.all()
      .filter((r) => r.appId === appId && (afterChangeKey === null || r.changeKey > afterChangeKey))
      .sort((a, b) => (a.changeKey < b.changeKey ? -1 : 1))
      .slice(0, limit);
  }

  async get(appId: string, id: string): Promise<StoredResponse | undefined> {
    return this.byId.get(responseKey(appId, id));
  }

  async revoke(appId: string, id: string, atMs: number): Promise<StoredResponse | undefined> {
    const key = responseKey(appId, id);
    const r = this.byId.get(key);
    if (r === undefined) return undefined;
    const revoked = { ...r, revokedAt: r.revokedAt ?? new Date(atMs).toISOString(), changeKey: changeKeyOf(this.tick(), id) };
    this.byId.set(key, revoked);
    this.bump(appId);
    return revoked;
  }

  all(): StoredResponse[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
