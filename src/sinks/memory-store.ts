/**
 * Responses kept in memory: the store of `riposte replay`, of the DetectorTester, and of tests. It
 * keeps the contract of the DynamoDB store — a response id is written once — so code tested against
 * it behaves the same against the real one.
 */
import type { ResponseHistory, ResponseSink } from '../core/ports';
import type { SecurityResponse } from '../core/response';

export class MemoryResponseStore implements ResponseHistory, ResponseSink {
  private readonly byId = new Map<string, SecurityResponse>();

  async write(responses: readonly SecurityResponse[]): Promise<void> {
    for (const r of responses) if (!this.byId.has(r.id)) this.byId.set(r.id, r);
  }

  async recent(appId: string, sinceMs: number): Promise<readonly SecurityResponse[]> {
    return this.all().filter((r) => r.appId === appId && Date.parse(r.createdAt) >= sinceMs);
  }

  all(): SecurityResponse[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
