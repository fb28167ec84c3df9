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
