/**
 * Checks a detector plan before it runs: what a zod schema of parameters cannot see (a window
 * shorter than a second, a redirect without a URL, a match on a field that does not exist, a
 * sequence too long to track, a reason with a placeholder that does not exist).
 */
import type { DetectorPlan, MatchSpec } from '../core/detector';
import { reasonProblems } from '../core/reason';
import { fieldPathProblem } from '../events/fields';
import { compileMatch, MatchSpecError } from '../events/match';
import { MAX_SEQUENCE_EVENTS, MAX_SEQUENCE_STEPS } from '../window/sequence';

const DAY = 86400;

/**
 * The bounds a plan must stay within, shared with the playbook checks so a playbook is refused for
 * the same reasons as the plan it becomes.
 */
export const PLAN_LIMITS = {
  windowSeconds: 7 * DAY,
  durationSeconds: 365 * DAY,
  threshold: 1_000_000,
  /** Values a distinct signal keeps per key. */
  distinctValues: 10_000,
  sequenceSteps: MAX_SEQUENCE_STEPS,
  sequenceEvents: MAX_SEQUENCE_EVENTS,
} as const;

function positiveInteger(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= max;
}

/** Everything wrong with `plan`, each as `key: what is wrong`; empty when it can run. */
export function planProblems(plan: DetectorPlan): string[] {
  const problems: string[] = [];
  plan.groupBy.forEach((path, i) => {
    const problem = fieldPathProblem(path);
    if (problem !== null) problems.push(`groupBy[${i}]: ${problem}`);
  });
  if (plan.groupBy.length === 0) problems.push('groupBy: name at least one field to group events by');
  if (plan.signals.length === 0) problems.push('signals: a detector needs at least one signal');
  plan.signals.forEach((signal, i) => {
    const at = `signals[${i}]`;
    const matchProblem = (when: MatchSpec, where: string): void => {
      try {
        compileMatch(when, where);
      } catch (error) {
        if (!(error instanceof MatchSpecError)) throw error;
        problems.push(error.message);
      }
    };
    matchProblem(signal.when, `${at}.when`);
    for (const problem of reasonProblems(signal.reason)) problems.push(`${at}.reason: ${problem}`);
    if (!positiveInteger(signal.threshold, PLAN_LIMITS.threshold)) problems.push(`${at}.threshold: ${signal.threshold} is not an integer from 1 to ${PLAN_LIMITS.threshold}`);
    if (!positiveInteger(signal.windowSeconds, PLAN_LIMITS.windowSeconds)) {
      problems.push(`${at}.windowSeconds: ${signal.windowSeconds} is not an integer from 1 to ${PLAN_LIMITS.windowSeconds} (7 days)`);
    }
    if (signal.kind === 'sequence') {
      if (signal.after.length === 0 || signal.after.length >= PLAN_LIMITS.sequenceSteps) {
        problems.push(`${at}.after: ${signal.after.length} steps before the last; a sequence has 2 to ${PLAN_LIMITS.sequenceSteps} steps in all`);
      }
      signal.after.forEach((step, j) => {
        matchProblem(step.when, `${at}.after[${j}].when`);
        if (!positiveInteger(step.threshold, PLAN_LIMITS.sequenceEvents)) {
          problems.push(`${at}.after[${j}].threshold: ${step.threshold} is not an integer from 1 to ${PLAN_LIMITS.sequenceEvents}`);
        }
      });
      const total = signal.after.reduce((sum, step) => sum + step.threshold, signal.threshold);
      if (total > PLAN_LIMITS.sequenceEvents) problems.push(`${at}: a complete sequence needs ${total} events; at most ${PLAN_LIMITS.sequenceEvents}`);
    }
    if (signal.kind === 'distinct') {
      const problem = fieldPathProblem(signal.field);
      if (problem !== null) problems.push(`${at}.field: ${problem}`);
      if (signal.maxValues !== undefined && !positiveInteger(signal.maxValues, PLAN_LIMITS.distinctValues)) {
        problems.push(`${at}.maxValues: ${signal.maxValues} is not an integer from 1 to ${PLAN_LIMITS.distinctValues}`);
      }
    }
  });
  const response = plan.response;
  const targetProblem = fieldPathProblem(response.target.field);
  if (targetProblem !== null) problems.push(`response.target.field: ${targetProblem}`);
  if (!positiveInteger(response.durationSeconds, PLAN_LIMITS.durationSeconds)) {
    problems.push(`response.durationSeconds: ${response.durationSeconds} is not an integer from 1 to ${PLAN_LIMITS.durationSeconds} (a year)`);
  }
  if (response.action === 'redirect' && (response.redirectUrl === undefined || response.redirectUrl === '')) {
    problems.push('response.redirectUrl: a redirect needs the URL agents send the target to');
  }
  if (plan.cooldownSeconds !== undefined && !(Number.isInteger(plan.cooldownSeconds) && plan.cooldownSeconds >= 0)) {
    problems.push(`cooldownSeconds: ${plan.cooldownSeconds} is not a whole number of seconds`);
  }
  return problems;
}
