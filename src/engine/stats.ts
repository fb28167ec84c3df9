/**
 * Counters of one shard processor. Plain numbers incremented on the hot path; the metrics endpoint
 * reads them when scraped, so no metrics library is called per record.
 */
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
  readonly responsesByDetector = new Map<string, number>();
  readonly detectionsByDetector = new Map<string, number>();
  /** Latest `millisBehindLatest` reported by the driver. */
  millisBehindLatest = 0;

  bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
