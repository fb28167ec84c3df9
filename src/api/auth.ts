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

export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

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

export function agentAuth(authenticator: AgentAuthenticator): AuthHook {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      challenge(reply);
      throw apiError('missing_token');
    }
    const appId = token === '' ? undefined : authenticator.authenticate(token);
    if (appId === undefined) {
      challenge(reply);
      throw apiError('invalid_token');
    }
    request.appId = appId;
    request.log = request.log.child({ appId });
  };
}
