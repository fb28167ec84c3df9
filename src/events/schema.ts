/**
 * Event v1: the contract between agents and Riposte (README, "Events"; docs/api.md, "Ingest").
 *
 * This zod schema is the single source of truth for what a valid event is. The hot path does not run
 * it on every record (it would halve throughput, see bench/): `validate.ts` holds a hand-written
 * check that accepts exactly the same objects, and `test/property/event-validation.test.ts` proves the
 * two agree on generated valid and broken events. When a record fails the fast check, this schema is
 * run to say precisely why.
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseEventTime } from './time';

export const EVENT_TYPES = ['login_failure', 'login_success', 'attack', 'request', 'custom'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Length limits keep one event from pinning large strings in detector state. */
export const LIMITS = {
  id: 256,
  appId: 128,
  shortText: 256,
  userAgent: 2048,
  path: 4096,
} as const;

/** Application ids become Kinesis partition keys and DynamoDB keys: keep them plain. */
export const APP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const shortText = z.string().max(LIMITS.shortText);

const ipAddress = z.string().refine((s) => isIP(s) !== 0, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an IPv4 or IPv6 address`,
});

const timestamp = z.string().refine((s) => !Number.isNaN(parseEventTime(s)), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not an RFC 3339 timestamp between 2000 and 2100 (e.g. "2026-11-28T12:00:00.123Z")`,
});

export const ActorSchema = z.looseObject({
  ip: ipAddress,
  userAgent: z.string().max(LIMITS.userAgent).optional(),
});

export const UserSchema = z.looseObject({
  id: shortText.optional(),
  login: shortText.optional(),
});

export const AttackSchema = z.looseObject({
  category: shortText,
  rule: shortText.optional(),
  blocked: z.boolean().optional(),
});

export const RequestSchema = z.looseObject({
  method: shortText.optional(),
  path: z.string().max(LIMITS.path).optional(),
  status: z.number().int().min(100).max(599).optional(),
});

export const AgentSchema = z.looseObject({
  id: shortText.optional(),
  host: shortText.optional(),
});

const common = {
  v: z.literal(1),
  id: z.string().min(1).max(LIMITS.id).optional(),
  ts: timestamp,
  appId: z.string().min(1).max(LIMITS.appId).regex(APP_ID, 'must start with a letter or digit and contain only letters, digits and . _ : -'),
  actor: ActorSchema,
  user: UserSchema.optional(),
  attack: AttackSchema.optional(),
  request: RequestSchema.optional(),
  event: shortText.optional(),
  props: z.record(z.string(), z.unknown()).optional(),
  agent: AgentSchema.optional(),
};

/**
 * `attack` is required for attacks and `event` for custom events; a discriminated union says so in
 * the types as well, so a detector on `attack` events reads `event.attack.category` without a guard.
 */
export const EventSchema = z.discriminatedUnion('type', [
  z.looseObject({ ...common, type: z.literal('login_failure') }),
  z.looseObject({ ...common, type: z.literal('login_success') }),
  z.looseObject({ ...common, type: z.literal('request') }),
  z.looseObject({ ...common, type: z.literal('attack'), attack: AttackSchema }),
  z.looseObject({ ...common, type: z.literal('custom'), event: shortText }),
]);

export type RiposteEvent = z.infer<typeof EventSchema>;

/** Each zod issue as `path: message`, the form every rejection takes. */
export function issueLines(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
}

/** Flattens zod issues to `path: message; path: message`. */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return issueLines(error, prefix).join('; ');
}
