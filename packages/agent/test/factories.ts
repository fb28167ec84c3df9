/** Responses as the agent API serves them, for the agent's tests. */
import type { RiposteResponse } from '../src/responses';

let next = 0;

export interface ResponseSpec {
  id?: string;
  action?: 'ban' | 'redirect';
  ip?: string;
  user?: string;
  /** Seconds from `now` until it expires; negative: already expired. */
  seconds?: number;
  now?: number;
  simulated?: boolean;
  status?: RiposteResponse['status'];
  redirectUrl?: string;
}

export function response(spec: ResponseSpec = {}): RiposteResponse {
  const now = spec.now ?? Date.now();
  const action = spec.action ?? (spec.user !== undefined ? 'redirect' : 'ban');
  return {
    id: spec.id ?? `r${++next}`,
    action,
    target: spec.user !== undefined ? { type: 'user', value: spec.user } : { type: 'ip', value: spec.ip ?? '203.0.113.7' },
    redirectUrl: action === 'redirect' ? (spec.redirectUrl ?? '/security-check') : null,
    detector: spec.user !== undefined ? 'account-takeover' : 'login-brute-force',
    reason: 'a test',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + (spec.seconds ?? 900) * 1000).toISOString(),
    simulated: spec.simulated ?? false,
    status: spec.status ?? 'active',
  };
}
