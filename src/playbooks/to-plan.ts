/**
 * A validated playbook → the DetectorPlan the engine compiles, exactly as a built-in detector's
 * `plan()` returns one. Nothing here runs per event: the playbook costs what the same plan written as
 * a detector module costs.
 */
import type { DetectorPlan, ResolvedDetector, SignalSpec } from '../core/detector';
import type { PlaybookDefinition } from './definition';

const DEFAULT_REASONS = {
  count: '{count} matching events in {windowSeconds} s',
  distinct: '{count} different {field} values in {windowSeconds} s',
  sequence: 'a sequence of {count} events within {windowSeconds} s',
} as const;

export function toPlan(definition: PlaybookDefinition): DetectorPlan {
  const { condition, windowSeconds } = definition;
  const reason = definition.reason ?? DEFAULT_REASONS[condition.kind];
  let signal: SignalSpec;
  switch (condition.kind) {
    case 'count':
      signal = { kind: 'count', when: condition.match, threshold: condition.count, windowSeconds, reason };
      break;
    case 'distinct':
      signal = { kind: 'distinct', when: condition.match, field: condition.field, threshold: condition.count, windowSeconds, reason };
      break;
    case 'sequence': {
      const steps = condition.steps.map((s) => ({ when: s.match, threshold: s.count }));
      const last = steps[steps.length - 1] as { when: DetectorPlan['signals'][number]['when']; threshold: number };
      signal = { kind: 'sequence', after: steps.slice(0, -1), when: last.when, threshold: last.threshold, windowSeconds, reason };
      break;
    }
  }
  return {
    groupBy: definition.groupBy,
    signals: [signal],
    response: definition.response,
    ...(definition.cooldownSeconds === undefined ? {} : { cooldownSeconds: definition.cooldownSeconds }),
  };
}

/**
 * The playbook as the engine runs it. The fingerprint covers only what changes decisions, so editing
 * a playbook's description or comments keeps its windows.
 */
export function resolvePlaybook(definition: PlaybookDefinition, plan: DetectorPlan = toPlan(definition)): ResolvedDetector {
  return {
    name: definition.name,
    plan,
    simulate: definition.simulate,
    fingerprint: JSON.stringify(['playbook', definition.name, plan, definition.simulate]),
  };
}
