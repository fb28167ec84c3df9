/**
 * How the local driver's shard reader spaces its GetRecords calls. Real Kinesis serves a shard's
 * reader at most 5 calls and 2 MB a second and throttles beyond; the embedded kinesalite imposes
 * neither, and takes in more than a real shard would (1 MiB/s of writes), so a reader paced to 2 MB/s
 * there let one application's flood queue up in front of every other application's events on the
 * shard (README, "One application flooding another's shard").
 */
/** How GetRecords calls are spaced (`readDelayMs`). */
export interface ReadPacing {
  /** Kinesis allows 5 GetRecords calls a second per shard. */
  minTimeBetweenReadsMs: number;
  /**
   * Kinesis serves 2 MB/s per shard to a reader, and throttles one that asks for more. `null`: no
   * byte pacing, for a stream that imposes no such limit (the embedded kinesalite), where pacing
   * would only hold the reader behind what the stream took in.
   */
  maxReadBytesPerSecond: number | null;
}

/** Real Kinesis's per-shard read limits: the pacing against AWS or any configured endpoint. */
export const KINESIS_READ_PACING: ReadPacing = { minTimeBetweenReadsMs: 200, maxReadBytesPerSecond: 2 * 1024 * 1024 };

/**
 * The embedded kinesalite's: calls spaced as on Kinesis (an idle shard is still read 5 times a second
 * at most), bytes not paced. A read still brings back no more than `maxBytesPerRead`, so memory stays
 * bounded; the reader just does not wait between full reads for a limit nothing imposes.
 */
export const EMBEDDED_READ_PACING: ReadPacing = { minTimeBetweenReadsMs: 200, maxReadBytesPerSecond: null };

/**
 * How long to wait before the next GetRecords: the call spacing, or the time the last call's bytes
 * take at the byte rate if that is longer, counted from the last call's start. 0 when it is due.
 */
export function readDelayMs(pacing: ReadPacing, last: { atMs: number; bytes: number }, nowMs: number): number {
  const { minTimeBetweenReadsMs, maxReadBytesPerSecond } = pacing;
  const byBytes = maxReadBytesPerSecond === null ? 0 : (last.bytes / maxReadBytesPerSecond) * 1000;
  return Math.max(0, last.atMs + Math.max(minTimeBetweenReadsMs, byBytes) - nowMs);
}
