/**
 * Every error the HTTP API answers, by code, with its status and message template: one place to read
 * what a client can get back. The body is always `{ error, message, requestId }` (plus details for
 * some codes).
 */
export const API_ERRORS = {
  missing_token: { status: 401, message: () => 'an agent token is required: send Authorization: Bearer <agent token>' },
  invalid_token: { status: 401, message: () => 'the bearer token is not a valid agent token (unknown, revoked or malformed)' },
  admin_unauthorized: { status: 401, message: () => 'this endpoint requires the admin token: send Authorization: Bearer <RIPOSTE_ADMIN_TOKEN>' },
  // The console's session (src/api/console): a cookie, and a CSRF token on every state-changing call.
  session_required: { status: 401, message: () => 'no console session, or it has ended: sign in again with the admin token' },
  // Wrong admin tokens, per address and from all (src/api/console/sign-in-limit.ts): the token is not
  // checked at all, so a right one is refused too; that is what makes guessing pointless.
  sign_in_limited: {
    status: 429,
    message: (from: string, retryAfterSeconds: number) =>
      `too many wrong admin tokens ${from}: for ${retryAfterSeconds} s no admin token is checked from there, and the right one is refused too; try again after Retry-After`,
  },
  csrf_refused: { status: 403, message: (detail: string) => `refused as a possible cross-site request: ${detail}` },
  admin_off: { status: 404, message: () => 'the admin API is off on this server: set RIPOSTE_ADMIN_TOKEN (riposte start makes one on its first start)' },
  invalid_settings: { status: 400, message: (detail: string) => `the settings are not valid, nothing was changed: ${detail}` },
  unsupported_media_type: { status: 415, message: (type: string) => `content-type ${type} is not accepted; send application/json` },
  invalid_json: { status: 400, message: (detail: string) => `the body is not valid JSON: ${detail}` },
  body_too_large: { status: 413, message: (limit: number) => `the request body is larger than the limit of ${limit} bytes` },
  invalid_body: { status: 400, message: (detail: string) => `the body is not { "events": [ ... ] }: ${detail}` },
  too_many_events: {
    status: 400,
    message: (count: number, limit: number) => `events has ${count} entries; one request carries at most ${limit} events`,
  },
  no_valid_events: { status: 400, message: (count: number) => `none of the ${count} events is valid; nothing was written (see rejected)` },
  // A bad path parameter is answered with this code too (documented); the message says which part.
  invalid_query: { status: 400, message: (part: 'query' | 'path', detail: string) => `invalid ${part}: ${detail}` },
  invalid_cursor: {
    status: 400,
    message: (param: string, detail: string) => `${param} is not a cursor this server issued (${detail}); fetch without ${param} to start over`,
  },
  bad_request: { status: 400, message: (detail: string) => `bad request: ${detail}` },
  unknown_app: { status: 404, message: (appId: string) => `application ${appId} does not exist` },
  unknown_response: { status: 404, message: (appId: string, id: string) => `application ${appId} has no response ${id}` },
  not_found: { status: 404, message: (method: string, url: string) => `no endpoint ${method} ${url}` },
  rate_limited: {
    status: 429,
    message: (appId: string, events: number, eventsPerSecond: number, burstEvents: number, retryAfterSeconds: number) =>
      `application ${appId} may send ${eventsPerSecond} events per second (bursts of ${burstEvents}); this request's ${events} events are over that: nothing was written, send them again in ${retryAfterSeconds} s (its ingest.eventsPerSecond setting raises the limit)`,
  },
  ingest_overloaded: {
    status: 503,
    message: () => 'the ingest buffer is full (the stream is not keeping up): nothing was written; send the batch again after Retry-After',
  },
  stream_unavailable: {
    status: 503,
    message: (failed: number) => `${failed} events could not be written to the stream after retries; send the batch again (events with an id are counted once)`,
  },
  stopping: {
    status: 503,
    message: () => 'this server is stopping: nothing was done; send the request again (to another instance, or once it has restarted)',
  },
  internal: { status: 500, message: () => 'internal error; the request id identifies it in the server log' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

type MessageArgs<C extends ApiErrorCode> = Parameters<(typeof API_ERRORS)[C]['message']>;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code].status;
  }
}

export function apiError<C extends ApiErrorCode>(code: C, ...args: MessageArgs<C>): ApiError {
  const template = API_ERRORS[code].message as (...a: MessageArgs<C>) => string;
  return new ApiError(code, template(...args));
}

export function apiErrorWith<C extends ApiErrorCode>(code: C, details: Record<string, unknown>, ...args: MessageArgs<C>): ApiError {
  const template = API_ERRORS[code].message as (...a: MessageArgs<C>) => string;
  return new ApiError(code, template(...args), details);
}
