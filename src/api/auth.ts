/**
 * Bearer-token authentication, run in `onRequest` so that no body is read or parsed for a caller
 * without a valid token. Agent tokens name their application (the request's `appId`). Every refusal
 * is the same 401, whatever was wrong with the token. The admin API's access (the admin token, or a
 * console session) is src/api/console/admin-access.ts.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The application of the agent token that authenticated the request ('' before that). */
    appId: string;
  }
}

/** An onRequest hook: async, or (agentAuth, on every request of the ingest) a callback. */
export type AuthHook = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | ((request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void);

export interface AgentAuthenticator {
  /** The application a token belongs to; undefined for a malformed, unknown or revoked token. */
  authenticate(token: string): string | undefined;
}

/** The token of `Authorization: Bearer <token>`; '' when the header is there but is not that; undefined when absent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer +([\x21-\x7e]{1,512})$/i.exec(header);
  return match?.[1] ?? '';
}

export function challenge(reply: FastifyReply): void {
  reply.header('www-authenticate', 'Bearer realm="riposte"');
}

/** A callback, not an async function: it runs on every agent request, and a promise per request costs. */
export function agentAuth(authenticator: AgentAuthenticator): AuthHook {
  return (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      challenge(reply);
      done(apiError('missing_token'));
      return;
    }
    const appId = token === '' ? undefined : authenticator.authenticate(token);
    if (appId === undefined) {
      challenge(reply);
      done(apiError('invalid_token'));
      return;
    }
    // Not a child logger with the appId bound (pino makes one per call, on every request): the lines
    // that need it (the request line, errors) name request.appId themselves.
    request.appId = appId;
    done();
  };
}
