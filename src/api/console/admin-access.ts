/**
 * Access to the admin API: the admin token as a bearer token (scripts, curl), or a console session
 * (the browser). A session's cookie is sent by the browser on its own, also with requests another
 * site makes it send, so a state-changing call with a session must also carry the session's CSRF
 * token in `x-csrf-token` (which another site cannot read or set) and must not come from another
 * origin. Bearer calls need neither: a browser never adds an Authorization header by itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, challenge, type AuthHook } from '../auth';
import { apiError, apiErrorWith } from '../errors';
import { secretsEqual } from '../../registry/tokens';
import type { AdminCredentials } from './admin-credentials';
import type { SignInLimiter, SignInWay } from './sign-in-limit';
import type { ConsoleSession, SessionStore } from './sessions';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session the request came with (null for a bearer token, or before access). */
    consoleSession: { id: string; session: ConsoleSession } | null;
  }
}

export const SESSION_COOKIE = 'riposte_console';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session id the request's cookie names, if any. Read by hand: the `cookie` package is ESM-only
 * (its types do not resolve under this project's CommonJS settings), and a session id is base64url,
 * which needs no decoding; the store checks its shape.
 */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Refuses a request another site made the browser send: `Sec-Fetch-Site: cross-site`, or an `Origin`
 * whose host is not the one the request was sent to (hosts, not schemes: a proxy in front may end TLS).
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (request.headers['sec-fetch-site'] === 'cross-site') throw apiError('csrf_refused', 'the browser says it comes from another site');
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let from: URL;
  let to: string | undefined;
  try {
    from = new URL(origin);
    // The Host header read as a URL of the origin's scheme, so that default ports compare equal.
    to = request.headers.host === undefined ? undefined : new URL(`${from.protocol}//${request.headers.host}`).host;
  } catch {
    throw apiError('csrf_refused', `Origin ${JSON.stringify(origin)} is not a URL`);
  }
  if (from.host !== to) throw apiError('csrf_refused', `Origin ${JSON.stringify(origin)} is not this server`);
}

/** The admin token, and the limit on wrong ones (sign-in-limit.ts): every check of it goes through both. */
export interface AdminTokenCheck {
  credentials: AdminCredentials;
  limiter: SignInLimiter;
}

/**
 * Whether `token` is the admin token. Throws 429 sign_in_limited, without looking at the token, while
 * the request's address (or every address) has sent too many wrong ones; a wrong one is counted.
 */
export function isAdminToken(check: AdminTokenCheck, request: FastifyRequest, reply: FastifyReply, token: string, way: SignInWay): boolean {
  const refusal = check.limiter.refusal(request.ip, way, request.log);
  if (refusal !== undefined) {
    reply.header('retry-after', String(refusal.retryAfterSeconds));
    const from = refusal.limit === 'address' ? `from ${refusal.address}` : 'from all addresses together';
    throw apiErrorWith('sign_in_limited', { limit: refusal.limit }, from, refusal.retryAfterSeconds);
  }
  if (check.credentials.verify(token)) return true;
  check.limiter.failed(request.ip, way, request.log);
  return false;
}

export function adminAccess(check: AdminTokenCheck, sessions: SessionStore): AuthHook {
  const { credentials } = check;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!credentials.configured) throw apiError('admin_off');
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) {
      // An Authorization header that is not `Bearer <token>` guesses nothing.
      if (token === '' || !isAdminToken(check, request, reply, token, 'bearer')) {
        challenge(reply);
        throw apiError('admin_unauthorized');
      }
      return;
    }
    const id = sessionCookie(request);
    if (id === undefined) {
      challenge(reply);
      throw apiError('admin_unauthorized');
    }
    const session = await sessions.use(id);
    if (session === undefined) throw apiError('session_required');
    if (!SAFE_METHODS.has(request.method)) {
      refuseCrossSite(request);
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !secretsEqual(presented, session.csrf)) {
        throw apiError('csrf_refused', 'the x-csrf-token header is missing or wrong (reload the console)');
      }
    }
    request.consoleSession = { id, session };
  };
}
