/**
 * What agents receive: each response with its state (`active`, `revoked`, `expired`); `simulated`
 * responses are reported but never to be enforced.
 */
import type { StoredResponse } from '../core/ports';
import type { SecurityResponse } from '../core/response';

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
