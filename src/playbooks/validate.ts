/**
 * What a schema cannot see: fields that exist, conditions whose operators and values make sense for
 * the field, durations in range, a target that is one of the grouped fields. Turns a document of the
 * right shape into a PlaybookDefinition, or lists every problem with its path.
 */
import type { MatchSpec } from '../core/detector';
import { reasonProblems } from '../core/reason';
import type { TargetType } from '../core/response';
import { PLAN_LIMITS } from '../engine/plan-check';
import { compileMatch, MatchSpecError, RANGE_OPERATORS } from '../events/match';
import type { PlaybookCondition, PlaybookDefinition } from './definition';
import { formatDuration } from './duration';
import { fieldType, playbookFieldProblem, valueTypeProblem } from './fields';
import type { Issue } from './issues';
import type { Path } from './locate';
import type { RawPlaybook } from './spec';

const LIMITS = {
  windowSeconds: { min: 1, max: PLAN_LIMITS.windowSeconds },
  durationSeconds: { min: 1, max: PLAN_LIMITS.durationSeconds },
  cooldownSeconds: { min: 0, max: PLAN_LIMITS.durationSeconds },
  count: PLAN_LIMITS.threshold,
  distinct: PLAN_LIMITS.distinctValues,
} as const;
const OBJECT_FIELDS = ['actor', 'user', 'attack', 'request', 'agent', 'props'];

/** Problems in the conditions of a `match` mapping at `at`; usable before the rest is known to be well formed. */
export function matchIssues(match: unknown, at: Path): Issue[] {
  if (typeof match !== 'object' || match === null || Array.isArray(match)) return [];
  const issues: Issue[] = [];
  for (const [field, condition] of Object.entries(match)) {
    const fieldProblem = playbookFieldProblem(field);
    if (fieldProblem !== null) {
      const nested = OBJECT_FIELDS.includes(field) && typeof condition === 'object' && condition !== null && !Array.isArray(condition);
      const hint = nested ? `; write nested fields as one dotted key, e.g. ${field}.${Object.keys(condition)[0] ?? 'name'}: ...` : '';
      issues.push({ path: [...at, field], key: true, message: `${fieldProblem}${hint}` });
      continue;
    }
    try {
      compileMatch({ [field]: condition } as MatchSpec);
    } catch (error) {
      if (!(error instanceof MatchSpecError)) throw error;
      issues.push({ path: [...at, ...error.segments], key: error.onKey, message: error.detail });
      continue;
    }
    issues.push(...conditionTypeIssues(field, condition, [...at, field]));
  }
  return issues;
}

/** A condition that can never hold because the field's values are of another type. */
function conditionTypeIssues(field: string, condition: unknown, at: Path): Issue[] {
  const type = fieldType(field);
  if (type === 'any') return [];
  if (typeof condition !== 'object' || condition === null) {
    const problem = valueTypeProblem(field, condition);
    return problem === null ? [] : [{ path: at, message: problem }];
  }
  const c = condition as Record<string, unknown>;
  if (Array.isArray(c.in)) {
    return c.in.flatMap((v, i) => {
      const problem = valueTypeProblem(field, v);
      return problem === null ? [] : [{ path: [...at, 'in', i], message: problem }];
    });
  }
  const textOperator = ['prefix', 'regex', 'cidr'].find((op) => op in c);
  if (textOperator !== undefined && type !== 'string') {
    return [{ path: [...at, textOperator], message: `${field} is a ${type}; ${textOperator} applies to text fields` }];
  }
  const rangeOperator = RANGE_OPERATORS.find((op) => op in c);
  if (rangeOperator !== undefined && type !== 'number') {
    return [{ path: [...at, rangeOperator], message: `${field} is ${type === 'string' ? 'text' : `a ${type}`}; ${rangeOperator} compares numbers` }];
  }
  return [];
}

function inRange(issues: Issue[], path: Path, seconds: number, limits: { min: number; max: number }): void {
  if (seconds < limits.min || seconds > limits.max) {
    issues.push({ path, message: `${formatDuration(seconds)} is out of range; from ${formatDuration(limits.min)} to ${formatDuration(limits.max)}` });
  }
}

function targetType(field: string, declared: TargetType | undefined): TargetType | undefined {
  if (declared !== undefined) return declared;
  if (field === 'actor.ip') return 'ip';
  if (field.startsWith('user.')) return 'user';
  return undefined;
}

export function validatePlaybook(raw: RawPlaybook, expectedName?: string): PlaybookDefinition | Issue[] {
  const issues: Issue[] = [];
  if (expectedName !== undefined && raw.name !== expectedName) {
    issues.push({ path: ['name'], message: `"${raw.name}" differs from "${expectedName}", the name it is stored under; a playbook has one name` });
  }

  raw.groupBy.forEach((field, i) => {
    const problem = playbookFieldProblem(field);
    if (problem !== null) issues.push({ path: ['groupBy', i], message: problem });
    else if (raw.groupBy.indexOf(field) !== i) issues.push({ path: ['groupBy', i], message: `${field} is listed twice` });
  });
  inRange(issues, ['window'], raw.window, LIMITS.windowSeconds);
  inRange(issues, ['response', 'duration'], raw.response.duration, LIMITS.durationSeconds);
  if (raw.cooldown !== undefined) inRange(issues, ['cooldown'], raw.cooldown, LIMITS.cooldownSeconds);

  const condition = conditionOf(raw, issues);
  const response = responseOf(raw, issues);

  if (raw.reason !== undefined) {
    for (const message of reasonProblems(raw.reason)) issues.push({ path: ['reason'], message });
  }
  if (issues.length > 0 || condition === undefined || response === undefined) return issues;
  return {
    name: raw.name,
    description: raw.description,
    enabled: raw.enabled ?? true,
    simulate: raw.simulate ?? false,
    groupBy: raw.groupBy,
    windowSeconds: raw.window,
    condition,
    ...(raw.cooldown === undefined ? {} : { cooldownSeconds: raw.cooldown }),
    ...(raw.reason === undefined ? {} : { reason: raw.reason }),
    response,
  };
}

function conditionOf(raw: RawPlaybook, issues: Issue[]): PlaybookCondition | undefined {
  const common = (raw.match ?? {}) as MatchSpec;
  if (raw.threshold !== undefined && raw.sequence !== undefined) {
    issues.push({ path: ['sequence'], key: true, message: 'a playbook has either a threshold or a sequence, not both' });
    return undefined;
  }
  if (raw.sequence !== undefined) {
    let total = 0;
    const steps = raw.sequence.map((step, i) => {
      const count = step.count ?? 1;
      if (count < 1 || count > PLAN_LIMITS.sequenceEvents) issues.push({ path: ['sequence', i, 'count'], message: `${count} is out of range; from 1 to ${PLAN_LIMITS.sequenceEvents}` });
      total += count;
      for (const field of Object.keys(step.match)) {
        if (field in common) issues.push({ path: ['sequence', i, 'match', field], key: true, message: `${field} is also in the playbook's match; set it in one place` });
      }
      return { match: { ...common, ...(step.match as MatchSpec) }, count };
    });
    if (total > PLAN_LIMITS.sequenceEvents) issues.push({ path: ['sequence'], key: true, message: `a complete sequence needs ${total} events; at most ${PLAN_LIMITS.sequenceEvents}` });
    return { kind: 'sequence', steps };
  }
  if (raw.threshold === undefined) {
    issues.push({ path: ['threshold'], message: 'missing; say when the playbook fires: threshold: { count: N } (N matching events), threshold: { count: N, distinct: FIELD } (N different values), or sequence: [...]' });
    return undefined;
  }
  if (raw.match === undefined) {
    issues.push({ path: ['match'], message: 'missing; say which events count, e.g. match: { type: custom, event: gift_card_redeem }' });
    return undefined;
  }
  const { count, distinct } = raw.threshold;
  if (distinct === undefined) {
    if (count < 1 || count > LIMITS.count) issues.push({ path: ['threshold', 'count'], message: `${count} is out of range; from 1 to ${LIMITS.count}` });
    return { kind: 'count', match: common, count };
  }
  if (count < 1 || count > LIMITS.distinct) {
    issues.push({ path: ['threshold', 'count'], message: `${count} is out of range for a distinct count; from 1 to ${LIMITS.distinct}` });
  }
  const problem = playbookFieldProblem(distinct);
  if (problem !== null) issues.push({ path: ['threshold', 'distinct'], message: problem });
  else if (raw.groupBy.includes(distinct)) {
    issues.push({ path: ['threshold', 'distinct'], message: `${distinct} is a groupBy field, so each group holds only one value of it` });
  }
  return { kind: 'distinct', match: common, count, field: distinct };
}

function responseOf(raw: RawPlaybook, issues: Issue[]): PlaybookDefinition['response'] | undefined {
  const { action, target, duration, url } = raw.response;
  const before = issues.length;
  const fieldProblem = playbookFieldProblem(target.field);
  if (fieldProblem !== null) issues.push({ path: ['response', 'target', 'field'], message: fieldProblem });
  else if (!raw.groupBy.includes(target.field)) {
    issues.push({
      path: ['response', 'target', 'field'],
      message: `${target.field} is not grouped by; the target is one of the groupBy fields (${raw.groupBy.join(', ')}), so every event of a group names the same one`,
    });
  }
  const type = targetType(target.field, target.as);
  if (type === undefined) issues.push({ path: ['response', 'target'], message: `say whether ${target.field} names an ip or a user: target: { field: ${target.field}, as: ip }` });
  if (action === 'redirect' && url === undefined) issues.push({ path: ['response', 'url'], message: 'missing; a redirect needs the URL agents send the target to, e.g. url: /captcha' });
  if (action === 'ban' && url !== undefined) issues.push({ path: ['response', 'url'], key: true, message: 'a ban sends the target nowhere; url is for redirect' });
  if (url !== undefined && !/^(\/|https?:\/\/)\S*$/.test(url)) {
    issues.push({ path: ['response', 'url'], message: `"${url}" is not a path (/captcha) or an http(s) URL` });
  }
  if (issues.length > before || type === undefined) return undefined;
  return { action, target: { type, field: target.field }, durationSeconds: duration, ...(url === undefined ? {} : { redirectUrl: url }) };
}
