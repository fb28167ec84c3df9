/**
 * What agents receive: each response with its state (`active`, `revoked`, `expired`); `simulated`
 * responses are reported but never to be enforced.
 */
import type { StoredResponse } from '../core/ports';
import { responseFields, type SecurityResponse } from '../core/response';

export type ResponseStatus = 'active' | 'revoked' | 'expired';

export interface AgentResponse extends SecurityResponse {
  revokedAt: string | null;
  status: ResponseStatus;
}

export function agentView(r: StoredResponse, nowMs: number): AgentResponse {
  // The response's own fields, not whatever the store keeps: what agents get is a contract.
  return {
    ...responseFields(r),
    revokedAt: r.revokedAt,
    status: r.revokedAt !== null ? 'revoked' : Date.parse(r.expiresAt) <= nowMs ? 'expired' : 'active',
  };
}
