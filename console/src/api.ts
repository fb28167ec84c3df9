/**
 * The one module that knows Riposte's admin API. Everything else calls these functions and gets
 * typed values or an ApiError.
 *
 * The admin token is sent once, to POST /v1/admin/session, in a JSON body (never in a URL); the
 * server answers with an HttpOnly session cookie, which the browser sends by itself, and a CSRF token
 * that this module keeps in memory only (not in localStorage or sessionStorage) and sends with every
 * state-changing call. A reload asks the server for it again with the cookie.
 */

export type ResponseStatus = 'active' | 'revoked' | 'expired';

export interface ConsoleResponse {
  id: string;
  appId: string;
  action: 'ban' | 'redirect';
  target: { type: 'ip' | 'user'; value: string };
  redirectUrl: string | null;
  detector: string;
  reason: string;
  evidence: { count: number; windowSeconds: number; firstSeen: string; lastSeen: string; samples: string[] };
  createdAt: string;
  expiresAt: string;
  simulated: boolean;
  revokedAt: string | null;
  status: ResponseStatus;
}

export interface AppSummary {
  appId: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
  tokens: { id: string; createdAt: string }[];
  settings: AppSettings;
  playbooks: string[];
}

export interface AppSettings {
  detectors?: Record<string, Record<string, unknown>>;
  allowlist?: { ips?: string[]; users?: string[] };
  repeatOffenders?: Record<string, number>;
}

export interface DetectorInfo {
  name: string;
  description: string;
  /** Each parameter with its default and what it means. */
  params: { name: string; default: number | string | boolean; description: string | null }[];
}

export interface AppSeries {
  appId: string;
  events: number[];
  detections: Record<string, number[]>;
  activeBans: number[];
  activeRedirects: number[];
}

export interface Overview {
  /** Start of each minute (epoch ms), oldest first. */
  minutes: number[];
  apps: AppSeries[];
}

export interface PlaybookCheck {
  name: string;
  origin: string;
  ok: boolean;
  /** What the playbook fires on (count, distinct, sequence) and its flags, when it is valid. */
  summary: string | null;
  problems: { line: number; col: number; path: string; message: string }[];
}

export interface FieldIssue {
  /** Path in the application's settings: `detectors.login-brute-force.threshold`, `allowlist.ips[2]`. */
  path: string;
  message: string;
}

export interface SessionInfo {
  csrfToken: string;
  /** When the session ends whatever its use; it ends sooner after `idleMinutes` without use. */
  endsAt: string;
  idleMinutes: number;
}

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
  const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
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

export const listApps = async (): Promise<AppSummary[]> => (await call<{ apps: AppSummary[] }>('GET', '/v1/admin/apps')).apps;
export const overview = (): Promise<Overview> => call<Overview>('GET', '/v1/admin/overview');
export const detectors = async (): Promise<DetectorInfo[]> => (await call<{ detectors: DetectorInfo[] }>('GET', '/v1/admin/detectors')).detectors;

export const getResponse = async (appId: string, id: string): Promise<ConsoleResponse> =>
  (await call<{ response: ConsoleResponse }>('GET', `${app(appId)}/responses/${encodeURIComponent(id)}`)).response;

export const revoke = async (appId: string, id: string): Promise<ConsoleResponse> =>
  (await call<{ response: ConsoleResponse }>('POST', `${app(appId)}/responses/${encodeURIComponent(id)}/revoke`)).response;

export const saveSettings = async (appId: string, settings: AppSettings): Promise<AppSummary> =>
  (await call<{ app: AppSummary }>('PUT', `${app(appId)}/settings`, { settings })).app;

export const playbooks = async (appId: string): Promise<PlaybookCheck[]> => (await call<{ playbooks: PlaybookCheck[] }>('GET', `${app(appId)}/playbooks`)).playbooks;

export const rotateToken = (appId: string): Promise<{ token: string; revoked: number }> => call('POST', `${app(appId)}/token`);

/**
 * The live feed: server-sent events, each a response as it is written or revoked. EventSource
 * reconnects by itself after a dropped connection; a refused one (the session ended) it does not, so
 * that case is told apart here: signed out, or try again a little later.
 */
export function openFeed(onResponse: (response: ConsoleResponse) => void, onState: (state: 'live' | 'reconnecting') => void): () => void {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const open = () => {
    source = new EventSource('/v1/admin/feed', { withCredentials: true });
    source.addEventListener('response', (event) => onResponse(JSON.parse((event as MessageEvent<string>).data) as ConsoleResponse));
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
