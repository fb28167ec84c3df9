/**
 * From a window that crossed its threshold to a response, or to nothing: the target may be under a
 * response of this detector already. Repeat offenders get longer responses.
 */
import { fillReason } from '../core/reason';
import { responseId, targetKey, type SecurityResponse } from '../core/response';
import type { RiposteEvent } from '../events/schema';
import type { WindowMatch } from '../window/types';
import type { AppContext } from './app-context';
import type { CompiledDetector, CompiledSignal } from './compile';
import type { ResponseLedger } from './ledger';

/** The response a detection calls for, or null when its target is already answered. */
export function decideResponse(
  ledger: ResponseLedger,
  ctx: AppContext,
  detector: CompiledDetector,
  signal: CompiledSignal,
  event: RiposteEvent,
  time: number,
  match: WindowMatch,
): SecurityResponse | null {
  const spec = detector.resolved.plan.response;
  const value = detector.targetValue(event);
  if (value === undefined) return null;
  const target = { type: spec.target.type, value };
  const key = targetKey(target.type, value);
  // Hashing the id is the costly part: an attacker already banned fires on every event, and its
  // suppression is known without it.
  let id: string | undefined;
  const idOf = () => (id ??= responseId({ appId: ctx.appId, detector: detector.name, target, triggerTime: time, triggerEventId: event.id }));
  if (ledger.suppressing(ctx.appId, detector.name, key, time, idOf, signal.windowMs, detector.cooldownMs)) return null;

  const policy = ctx.config.repeatOffenders;
  const simulated = detector.resolved.simulate;
  const prior = ledger.priorCount(ctx.appId, key, time, policy.lookbackSeconds * 1000, simulated, idOf());
  const durationSeconds = Math.min(Math.round(spec.durationSeconds * policy.factor ** prior), Math.max(policy.maxDurationSeconds, spec.durationSeconds));
  return {
    id: idOf(),
    appId: ctx.appId,
    action: spec.action,
    target,
    redirectUrl: spec.action === 'redirect' ? (spec.redirectUrl ?? null) : null,
    detector: detector.name,
    reason: renderReason(signal, match),
    evidence: {
      count: match.count,
      windowSeconds: signal.spec.windowSeconds,
      firstSeen: new Date(match.firstSeen).toISOString(),
      lastSeen: new Date(match.lastSeen).toISOString(),
      samples: match.samples,
    },
    createdAt: new Date(time).toISOString(),
    expiresAt: new Date(time + durationSeconds * 1000).toISOString(),
    simulated,
  };
}

function renderReason(signal: CompiledSignal, match: WindowMatch): string {
  const spec = signal.spec;
  return fillReason(spec.reason, {
    count: String(match.count),
    threshold: String(spec.threshold),
    windowSeconds: String(spec.windowSeconds),
    field: 'field' in spec ? spec.field : '',
  });
}
