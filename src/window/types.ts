/** What a window primitive reports when a key crosses its threshold. */
export interface WindowMatch {
  /** Events (count) or distinct values (distinct) in the window that crossed the threshold. */
  count: number;
  /** Event times (ms) of the oldest and newest event in that window. */
  firstSeen: number;
  lastSeen: number;
  /** A few of the distinct values, oldest first; empty for counts. */
  samples: string[];
}

/**
 * Returned instead of a match or null when the event was already counted: a report delivered twice
 * (same id, same time) is counted once.
 */
export const DUPLICATE: WindowMatch = Object.freeze({ count: 0, firstSeen: 0, lastSeen: 0, samples: [] as string[] }) as WindowMatch;
