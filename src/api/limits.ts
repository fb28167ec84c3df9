/** The limits of the HTTP API; each is stated in the error that enforces it. */
export interface ApiLimits {
  /** Largest request body accepted, in bytes (413 above). */
  bodyBytes: number;
  /** Most events in one POST /v1/events (400 above). PutRecords takes 500 records per call. */
  eventsPerRequest: number;
  /** Largest event, serialized as it goes on the stream (the event is rejected above). */
  eventBytes: number;
  /** Deepest nesting of objects and arrays inside one event. */
  eventDepth: number;
  /** Longest long-poll, in seconds: below the usual 60 s idle timeout of load balancers. */
  waitSeconds: number;
  /** Most responses in one page of the change feed. */
  pageSize: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  bodyBytes: 1024 * 1024,
  eventsPerRequest: 500,
  eventBytes: 32 * 1024,
  eventDepth: 16,
  waitSeconds: 55,
  pageSize: 500,
};
