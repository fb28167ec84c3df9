/**
 * Counts a report once even when Kinesis delivers it twice (producer retries, agent resends).
 *
 * A duplicate carries the same event time as the original, so once that time is older than the
 * watermark the duplicate would be dropped as late anyway: ids are kept only while their event is
 * on time. A hard cap bounds the index under any input; when it binds the oldest ids go first.
 */
export class DedupIndex {
  /** appId → event id → event time in seconds (a small integer). */
  private readonly byApp = new Map<string, Map<string, number>>();
  size = 0;
  evicted = 0;

  constructor(private readonly maxIds: number) {}

  /** The ids of one application; the AppContext keeps it, so the hot path looks up no application. */
  forApp(appId: string): Map<string, number> {
    let ids = this.byApp.get(appId);
    if (ids === undefined) {
      ids = new Map();
      this.byApp.set(appId, ids);
    }
    return ids;
  }

  /** Records `id` in `ids` (from forApp) and tells whether it was already seen. */
  seen(ids: Map<string, number>, id: string, time: number): boolean {
    if (ids.has(id)) return true;
    ids.set(id, Math.floor(time / 1000));
    if (++this.size > this.maxIds) this.evictOldest();
    return false;
  }

  /** Forgets ids whose events are older than `oldestOnTime` (ms). */
  expire(oldestOnTime: number): void {
    const limit = Math.floor(oldestOnTime / 1000) - 1;
    for (const ids of this.byApp.values()) {
      for (const [id, seconds] of ids) {
        if (seconds >= limit) break; // ids arrive roughly in time order: the rest are newer
        ids.delete(id);
        this.size--;
      }
    }
  }

  private evictOldest(): void {
    let largest: Map<string, number> | undefined;
    for (const ids of this.byApp.values()) if (largest === undefined || ids.size > largest.size) largest = ids;
    if (largest === undefined) return;
    const batch = Math.max(1, Math.floor(this.maxIds / 100));
    for (const id of largest.keys()) {
      largest.delete(id);
      this.size--;
      this.evicted++;
      if (this.size <= this.maxIds - batch) break;
    }
  }
}
