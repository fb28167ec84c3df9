/**
 * The playbook language as written: the raw YAML document's schema, before any meaning is checked.
 * `parse.ts` validates a document against it, then checks what a schema cannot see (fields,
 * conditions, durations in range) and `to-plan.ts` turns the result into a DetectorPlan.
 *
 * ```yaml
 * name: gift-card-enumeration
 * description: Bans an IP address that tries many different gift-card codes.
 * match: { type: custom, event: gift_card_redeem, props.result: invalid }
 * groupBy: actor.ip
 * window: 10m
 * threshold: { count: 20, distinct: props.code }
 * response: { action: ban, target: actor.ip, duration: 1h }
 * ```
 */
import { z } from 'zod';
import { PLAN_LIMITS } from '../engine/plan-check';
import { RESPONSE_ACTIONS, TARGET_TYPES } from '../core/response';
import { parseDuration } from './duration';
import type { Path } from './locate';

export const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const NAME_HINT = 'lower-case words joined by dashes, e.g. gift-card-enumeration';

const duration = z.unknown().transform((value, ctx) => {
  const seconds = parseDuration(value);
  if (typeof seconds === 'string') {
    ctx.addIssue({ code: 'custom', message: value === undefined || value === null ? 'missing; e.g. 10m' : seconds });
    return z.NEVER;
  }
  return seconds;
});

/** Field path → condition; each condition is checked by the matcher compiler, which knows the operators. */
const conditions = z.record(z.string(), z.unknown());

export const ThresholdSchema = z.strictObject({
  count: z.int(),
  distinct: z.string().optional(),
});

export const StepSchema = z.strictObject({
  match: conditions,
  count: z.int().optional(),
});

export const TargetSchema = z.strictObject({
  field: z.string(),
  as: z.enum(TARGET_TYPES).optional(),
});

export const ResponseSchema = z.strictObject({
  action: z.enum(RESPONSE_ACTIONS),
  target: TargetSchema,
  duration,
  url: z.string().min(1).max(2048).optional(),
});

export const PlaybookSchema = z.strictObject({
  name: z.string().max(64).regex(NAME, { error: (issue) => `${JSON.stringify(issue.input)} is not a playbook name: ${NAME_HINT}` }),
  description: z.string().min(1).max(2000),
  enabled: z.boolean().optional(),
  simulate: z.boolean().optional(),
  match: conditions.optional(),
  groupBy: z.array(z.string()).min(1).max(4),
  window: duration,
  threshold: ThresholdSchema.optional(),
  sequence: z.array(StepSchema).min(2).max(PLAN_LIMITS.sequenceSteps).optional(),
  cooldown: duration.optional(),
  reason: z.string().min(1).max(256).optional(),
  response: ResponseSchema,
});

/** A playbook document that has the right shape; durations are in seconds. */
export type RawPlaybook = z.output<typeof PlaybookSchema>;

/** The keys allowed in the mapping at `path`, for "unknown key" messages. */
export function allowedKeysAt(path: Path): readonly string[] {
  const [first, second] = path;
  if (path.length === 0) return Object.keys(PlaybookSchema.shape);
  if (first === 'threshold' && path.length === 1) return Object.keys(ThresholdSchema.shape);
  if (first === 'sequence' && typeof second === 'number' && path.length === 2) return Object.keys(StepSchema.shape);
  if (first === 'response' && path.length === 1) return Object.keys(ResponseSchema.shape);
  if (first === 'response' && second === 'target' && path.length === 2) return Object.keys(TargetSchema.shape);
  return [];
}

/**
 * Short forms, expanded before validation so that each key has one shape: `groupBy: actor.ip` is
 * `groupBy: [actor.ip]`, `threshold: 20` is `threshold: { count: 20 }`, `target: actor.ip` is
 * `target: { field: actor.ip }`. Positions stay those of the short form in the file.
 */
export function expandShortForms(document: unknown): unknown {
  if (!isRecord(document)) return document;
  const out: Record<string, unknown> = { ...document };
  if (typeof out.groupBy === 'string') out.groupBy = [out.groupBy];
  if (typeof out.threshold === 'number') out.threshold = { count: out.threshold };
  if (isRecord(out.response) && typeof out.response.target === 'string') {
    out.response = { ...out.response, target: { field: out.response.target } };
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
