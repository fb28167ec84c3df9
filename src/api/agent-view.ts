/**
 * What agents receive: each response with its state (`active`, `revoked`, `expired`; `simulated`
 * responses are never to be enforced), and an opaque cursor. The cursor is a change key of the
 * responses store (see ResponseReader), base64url-encoded so that agents treat it as opaque.
 */
import { changeKeyOf, type StoredResponse } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import { apiError } from './errors';

export type ResponseStatus = 'active' | 'revoked' | 'expired';

export interface AgentResponse extends SecurityResponse {
  revokedAt: string | null;
  status: ResponseStatus;
}

export function agentView(r: StoredResponse, nowMs: number): AgentResponse {
  // Listed field by field: what agents get is a contract, not whatever the store keeps.
  return {
    id: r.id,
    appId: r.appId,
    action: r.action,
    target: r.target,
    redirectUrl: r.redirectUrl,
    detector: r.detector,
    reason: r.reason,
    evidence: r.evidence,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    simulated: r.simulated,
    revokedAt: r.revokedAt,
    status: r.revokedAt !== null ? 'revoked' : Date.parse(r.expiresAt) <= nowMs ? 'expired' : 'active',
  };
}

const CHANGE_KEY = /^\d{15}#[\x21-\x7e]{0,256}$/;

export function encodeCursor(changeKey: string): string {
  return Buffer.from(changeKey, 'utf8').toString('base64url');
}

/** The change key inside a cursor; ApiError `invalid_cursor` when it is not one this API issued. */
export function decodeCursor(cursor: string, nowMs: number, toleranceMs: number): string {
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw apiError('invalid_cursor', 'not base64url');
  const changeKey = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CHANGE_KEY.test(changeKey)) throw apiError('invalid_cursor', 'unknown format');
  // A cursor from the future would hide every change until that time: refuse it rather than go quiet.
  if (changeKey > changeKeyOf(nowMs + toleranceMs, '')) throw apiError('invalid_cursor', 'it is from the future');
  return changeKey;
}
