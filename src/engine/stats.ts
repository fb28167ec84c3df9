/**
 * Counters of one shard processor. Plain numbers incremented on the hot path; the metrics endpoint
 * reads them when scraped, so no metrics library is called per record.
 */
/** What one application costs a shard processor, and how far behind its events are handled. */
export class AppStats {
  /** Records of the application handed to the processor (valid events). */
  records = 0;
  /** Newest arrival time (ms) among the application's records of the batch in hand, or -Infinity. */
  batchNewestArrival = -Infinity;
  /**
   * When the application's responses up to its last batch were durable (written in its own lane:
   * drivers/shard-pipeline.ts), minus the newest arrival in Kinesis among its records of that batch:
   * how far behind this application's events are handled.
   */
  lagMs = 0;
  /** Responses decided beyond the application's rate and not given (processor.ts, `maxResponsesPerAppSecond`). */
  responsesShed = 0;

  /** Its records up to one that reached Kinesis at `newestArrival` are handled (their responses written) at `now` (ms). */
  handled(newestArrival: number, now: number): void {
    this.lagMs = Math.max(0, now - newestArrival);
  }
}

/** An application of the batch just handled, with the newest arrival in Kinesis among its records. */
export interface BatchArrival {
  appId: string;
  stats: AppStats;
  newestArrival: number;
}

export class ShardStats {
  records = 0;
  bytes = 0;
  /** Valid events that were counted by the detectors. */
  accepted = 0;
  /** Records that are not valid events (dead-lettered). */
  rejected = 0;
  /** Valid events older than the watermark: dropped. */
  late = 0;
  /** Events too far ahead of their arrival time: rejected (dead-lettered). */
  future = 0;
  duplicates = 0;
  /** Events an agent reported as blocked by a Riposte response: not counted. */
  blockedByResponse = 0;
  allowlisted = 0;
  /** Detector windows that crossed their threshold. */
  detections = 0;
  /** Detections not answered because the target is under a response already. */
  suppressed = 0;
  responses = 0;
  /** Responses decided beyond an application's rate and not given, all applications. */
  responsesShed = 0;
  /** Times an application's configuration could not run (the source threw, or it did not compile). */
  configRefused = 0;
  /** Applications started without their past responses: the history store kept failing (ledger.ts). */
  historyUnread = 0;
  readonly responsesByDetector = new Map<string, number>();
  readonly detectionsByDetector = new Map<string, number>();
  /** Latest `millisBehindLatest` reported by the driver. */
  millisBehindLatest = 0;
  /** Per application on the shard, so an operator sees who floods and who waits. */
  readonly apps = new Map<string, AppStats>();
  /**
   * Applications whose records in the batch in hand carry an arrival time, each once: the processor
   * adds one when it sets its first `batchNewestArrival` of the batch; takeBatchArrivals empties it.
   */
  readonly batchApps: string[] = [];

  bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  app(appId: string): AppStats {
    let stats = this.apps.get(appId);
    if (stats === undefined) {
      stats = new AppStats();
      this.apps.set(appId, stats);
    }
    return stats;
  }

  /**
   * The applications whose records in the batch just handled carried an arrival time, each with the
   * newest of them; the next batch starts afresh. Only the applications of the batch are visited, not
   * every application the shard has seen.
   */
  takeBatchArrivals(): BatchArrival[] {
    const taken = this.batchApps.map((appId) => {
      const stats = this.app(appId);
      const arrival = { appId, stats, newestArrival: stats.batchNewestArrival };
      stats.batchNewestArrival = -Infinity;
      return arrival;
    });
    this.batchApps.length = 0;
    return taken;
  }
}
