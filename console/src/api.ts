/**
 * The one module that knows Riposte's admin API. Everything else calls these functions and gets
 * typed values or an ApiError.
 *
 * The admin token is sent once, to POST /v1/admin/session, in a JSON body (never in a URL); the
 * server answers with an HttpOnly session cookie, which the browser sends by itself, and a CSRF token
 * that this module keeps in memory only (not in localStorage or sessionStorage) and sends with every
 * state-changing call. A reload asks the server for it again with the cookie.
 *
 * The shapes of what the server sends and takes are not restated here: they come from
 * src/api/console/wire.ts, which the server's routes use when they build their replies, so a change
 * one side makes and the other does not follow fails `npm run typecheck`. The import is type-only
 * (the build erases it, no server code comes along); the pages take the types from here.
 */

import type {
  AgentResponse,
  AppReply,
  AppsReply,
  AppSettings,
  AppSummary,
  DetectorInfo,
  DetectorsReply,
  ErrorReply,
  FeedResponse,
  FieldIssue,
  Overview,
  PlaybookCheck,
  PlaybooksReply,
  ResponseReply,
  SessionInfo,
  SettingsChange,
  TokenRotation,
} from '../../src/api/console/wire';

export type { AgentResponse, AppSeries, AppSettings, AppSummary, DetectorInfo, FieldIssue, Overview, PlaybookCheck, ResponseStatus, SessionInfo, TokenRotation } from '../../src/api/console/wire';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
    /** From a 429's Retry-After: how long the server asks to be left alone. */
    readonly retryAfterSeconds?: number,
    /** The error's other details (e.g. `limit` of sign_in_limited). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | undefined;
const signedOutListeners = new Set<() => void>();

/** Called when the server says the session is gone (expired, signed out elsewhere). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'network', `Riposte is not reachable (${(error as Error).message})`);
  }
  if (response.status === 204) return undefined as T;
  // An error may come from a proxy, not Riposte: every field of ErrorReply is checked before use.
  const payload = (await response.json().catch(() => ({}))) as Partial<Record<keyof ErrorReply, unknown>>;
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      typeof payload.error === 'string' ? payload.error : 'error',
      typeof payload.message === 'string' ? payload.message : `${method} ${path} answered ${response.status}`,
      Array.isArray(payload.issues) ? (payload.issues as FieldIssue[]) : [],
      retryAfter(response.headers.get('retry-after')),
      payload,
    );
    if (response.status === 401 && path !== '/v1/admin/session') {
      csrfToken = undefined;
      for (const listener of [...signedOutListeners]) listener();
    }
    throw error;
  }
  return payload as T;
}

/** Retry-After in seconds (the server sends seconds, never an HTTP date). */
function retryAfter(header: string | null): number | undefined {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

const app = (appId: string) => `/v1/admin/apps/${encodeURIComponent(appId)}`;

export async function signIn(token: string): Promise<SessionInfo> {
  const session = await call<SessionInfo>('POST', '/v1/admin/session', { token });
  csrfToken = session.csrfToken;
  return session;
}

/** The current session (after a reload), or undefined when there is none. */
export async function currentSession(): Promise<SessionInfo | undefined> {
  try {
    const session = await call<SessionInfo>('GET', '/v1/admin/session');
    csrfToken = session.csrfToken;
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  try {
    await call<void>('DELETE', '/v1/admin/session');
  } finally {
    csrfToken = undefined;
  }
}

export const listApps = async (): Promise<AppSummary[]> => (await call<AppsReply>('GET', '/v1/admin/apps')).apps;
export const overview = (): Promise<Overview> => call<Overview>('GET', '/v1/admin/overview');
export const detectors = async (): Promise<DetectorInfo[]> => (await call<DetectorsReply>('GET', '/v1/admin/detectors')).detectors;

export const getResponse = async (appId: string, id: string): Promise<AgentResponse> =>
  (await call<ResponseReply>('GET', `${app(appId)}/responses/${encodeURIComponent(id)}`)).response;

export const revoke = async (appId: string, id: string): Promise<AgentResponse> =>
  (await call<ResponseReply>('POST', `${app(appId)}/responses/${encodeURIComponent(id)}/revoke`)).response;

export const saveSettings = async (appId: string, settings: AppSettings): Promise<AppSummary> =>
  (await call<AppReply>('PUT', `${app(appId)}/settings`, { settings } satisfies SettingsChange)).app;

export const playbooks = async (appId: string): Promise<PlaybookCheck[]> => (await call<PlaybooksReply>('GET', `${app(appId)}/playbooks`)).playbooks;

export const rotateToken = (appId: string): Promise<TokenRotation> => call<TokenRotation>('POST', `${app(appId)}/token`);

/**
 * The live feed: server-sent events, each a response as it is written or revoked. EventSource
 * reconnects by itself after a dropped connection; a refused one (the session ended) it does not, so
 * that case is told apart here: signed out, or try again a little later.
 */
export function openFeed(onResponse: (response: FeedResponse) => void, onState: (state: 'live' | 'reconnecting') => void): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const open = () => {
    source = new EventSource('/v1/admin/feed', { withCredentials: true });
    source.addEventListener('response', (event) => onResponse(JSON.parse((event as MessageEvent<string>).data) as FeedResponse));
    source.addEventListener('open', () => onState('live'));
    source.addEventListener('error', () => {
      onState('reconnecting');
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      void currentSession().then((session) => {
        if (closed) return;
        if (session === undefined) for (const listener of [...signedOutListeners]) listener();
        else retry = setTimeout(open, 2000);
      });
    });
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retry);
    source?.close();
  };
}
