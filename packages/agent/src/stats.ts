/**
 * What the agent did, as plain counters an application can expose (a health endpoint, its own
 * metrics). Counters only grow; `queued` and the response counts are the present state.
 */

export interface EventCounters {
  /** Accepted by Riposte. */
  sent: number;
  /** Dropped, the oldest first, because the queue was full (Riposte unreachable or too slow). */
  dropped: number;
  /** Refused by Riposte one by one (the reason is logged). */
  rejected: number;
  /** Lost with a whole batch Riposte refused (a wrong token, a body it would not take). */
  refused: number;
  /** Batches sent again after a failure or a 429/503. */
  retried: number;
  /** `track()` calls that could not become an event (the reason is logged). */
  invalid: number;
}

export interface RequestCounters {
  /** Answered 403: a ban on the client's address or user. */
  banned: number;
  /** Answered 303: a redirect on the request's user (or address). */
  redirected: number;
  /** Answered 403 by a rule of the pack. */
  blockedByRule: number;
  /** Let through, but reported, by a `report` rule. */
  reportedByRule: number;
  /** Matched a simulated response: let through and counted. */
  simulated: number;
  /** Longer than maxInspectChars: inspected up to the limit. */
  truncated: number;
  /** Internal errors caught on the request path (the request went through; the error is logged). */
  errors: number;
}

export class Counters {
  readonly events: EventCounters = { sent: 0, dropped: 0, rejected: 0, refused: 0, retried: 0, invalid: 0 };
  readonly requests: RequestCounters = { banned: 0, redirected: 0, blockedByRule: 0, reportedByRule: 0, simulated: 0, truncated: 0, errors: 0 };
}

export interface AgentStats {
  /** The first rules and responses are loaded. */
  ready: boolean;
  /** The last exchange with Riposte's responses feed succeeded. */
  connected: boolean;
  rules: { version: string | null; count: number };
  /** Responses in force now, by target. */
  responses: { addresses: number; ranges: number; users: number; simulated: number };
  requests: RequestCounters;
  /** `queued`: waiting to be sent; `sending`: in the batch being sent now. */
  events: EventCounters & { queued: number; sending: number };
}
