/** Security responses for store and retry-queue tests, with real deterministic ids. */
import { responseId, type SecurityResponse } from '../../src/core/response';

export const T0 = Date.parse('2026-11-28T12:00:00.000Z');

export interface ResponseSpec {
  appId?: string;
  ip?: string;
  detector?: string;
  /** Event time of the trigger (ms). */
  createdAtMs?: number;
  durationSeconds?: number;
  simulated?: boolean;
}

export function makeResponse(spec: ResponseSpec = {}): SecurityResponse {
  const appId = spec.appId ?? 'app-1';
  const ip = spec.ip ?? '203.0.113.7';
  const detector = spec.detector ?? 'login-brute-force';
  const createdAtMs = spec.createdAtMs ?? T0;
  const target = { type: 'ip' as const, value: ip };
  return {
    id: responseId({ appId, detector, target, triggerTime: createdAtMs, triggerEventId: undefined }),
    appId,
    action: 'ban',
    target,
    redirectUrl: null,
    detector,
    reason: '31 login failures in 60 s',
    evidence: { count: 31, windowSeconds: 60, firstSeen: new Date(createdAtMs - 50_000).toISOString(), lastSeen: new Date(createdAtMs).toISOString(), samples: ['agent-7:1'] },
    createdAt: new Date(createdAtMs).toISOString(),
    expiresAt: new Date(createdAtMs + (spec.durationSeconds ?? 3600) * 1000).toISOString(),
    simulated: spec.simulated ?? false,
  };
}

/** `count` responses of one app to distinct IPs 198.51.x.y. */
export function manyResponses(count: number, spec: Omit<ResponseSpec, 'ip'> = {}): SecurityResponse[] {
  return Array.from({ length: count }, (_, i) => makeResponse({ ...spec, ip: `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}` }));
}
