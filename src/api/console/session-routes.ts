/**
 * Signing in and out of the console. POST /v1/admin/session takes the admin token in a JSON body
 * (never in a URL, which proxies and browsers log and keep) and answers with the session cookie —
 * HttpOnly (no script reads it), SameSite=Strict, no Max-Age (it dies with the browser), Path limited
 * to the admin API — and the session's CSRF token, which the page keeps in memory.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthHook } from '../auth';
import { apiError } from '../errors';
import { formatIssues } from '../../events/schema';
import { isAdminToken, refuseCrossSite, SESSION_COOKIE, sessionCookie, type AdminTokenCheck } from './admin-access';
import { sessionKey, type ConsoleSession, type SessionStore } from './sessions';
import type { SessionInfo } from './wire';

export interface SessionRouteDeps {
  check: AdminTokenCheck;
  sessions: SessionStore;
  access: AuthHook;
}

const SignInBody = z.strictObject({ token: z.string().min(1).max(512) });
const COOKIE_PATH = '/v1/admin';

function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

/** The session cookie; its value is base64url (or empty), so it needs no encoding. */
function cookie(request: FastifyRequest, value: string, expired = false): string {
  const attributes = [`${SESSION_COOKIE}=${value}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure(request)) attributes.push('Secure');
  if (expired) attributes.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  return attributes.join('; ');
}

const describe = (session: ConsoleSession, sessions: SessionStore): SessionInfo => ({
  csrfToken: session.csrf,
  endsAt: new Date(session.endsAtMs).toISOString(),
  idleMinutes: Math.round(sessions.times.idleMs / 60_000),
});

/** What the logs may say of a session: the start of its key's hash, never the id. */
const sessionName = (id: string) => sessionKey(id).slice(0, 10);

function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const { check, sessions } = deps;

  app.post('/v1/admin/session', async (request, reply) => {
    noStore(reply);
    if (!check.credentials.configured) throw apiError('admin_off');
    // Signing a victim's browser in to the attacker's session is an attack too (login CSRF).
    refuseCrossSite(request);
    const body = SignInBody.safeParse(request.body);
    if (!body.success) throw apiError('bad_request', formatIssues(body.error));
    // A wrong token is counted and logged (now and then) by the limit on wrong tokens; past it, even
    // the right one gets 429 sign_in_limited.
    if (!isAdminToken(check, request, reply, body.data.token, 'console')) throw apiError('admin_unauthorized');
    const { id, session } = await sessions.create();
    reply.header('set-cookie', cookie(request, id));
    request.log.info({ session: sessionName(id) }, 'console session started');
    return describe(session, sessions);
  });

  // After a reload the page has lost its CSRF token (it keeps it in memory only); the cookie gets it back.
  app.get('/v1/admin/session', async (request, reply) => {
    noStore(reply);
    const id = sessionCookie(request);
    const session = id === undefined ? undefined : await sessions.use(id);
    if (session === undefined) throw apiError('session_required');
    return describe(session, sessions);
  });

  app.delete('/v1/admin/session', { onRequest: deps.access }, async (request, reply) => {
    const current = request.consoleSession;
    if (current !== null) {
      await sessions.end(current.id);
      request.log.info({ session: sessionName(current.id) }, 'console session ended (signed out)');
    }
    reply.header('set-cookie', cookie(request, '', true));
    return reply.code(204).send();
  });
}
