/**
 * The security response: what Riposte writes to DynamoDB and what agents fetch and enforce
 * (README, "The APIs"; docs/api.md). Its id is deterministic, so processing the same records again
 * writes the same item instead of a second one.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const RESPONSE_ACTIONS = ['ban', 'redirect'] as const;
export type ResponseAction = (typeof RESPONSE_ACTIONS)[number];

export const TARGET_TYPES = ['ip', 'user'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const SecurityResponseSchema = z.object({
  id: z.string().min(1),
  appId: z.string().min(1),
  action: z.enum(RESPONSE_ACTIONS),
  target: z.object({ type: z.enum(TARGET_TYPES), value: z.string().min(1) }),
  redirectUrl: z.string().nullable(),
  detector: z.string().min(1),
  reason: z.string(),
  evidence: z.object({
    count: z.number().int(),
    windowSeconds: z.number(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    samples: z.array(z.string()),
  }),
  createdAt: z.string(),
  expiresAt: z.string(),
  simulated: z.boolean(),
});

export type SecurityResponse = z.infer<typeof SecurityResponseSchema>;

/** `ip:203.0.113.7` or `user:alice@example.com`: one name for a target across detectors. */
export function targetKey(type: TargetType, value: string): string {
  return `${type}:${value}`;
}

export interface ResponseIdParts {
  appId: string;
  detector: string;
  target: { type: TargetType; value: string };
  /** Event time (ms) of the event that triggered the response. */
  triggerTime: number;
  /** The triggering event's `id`, when the agent set one. */
  triggerEventId: string | undefined;
}

/**
 * 128 bits of SHA-256 over what identifies a decision: the application, the detector, the target and
 * the event that triggered it. Nothing from the clock or the process goes in, so a replay of the
 * same events, from a file or from any checkpoint, derives the same id.
 */
export function responseId(parts: ResponseIdParts): string {
  return createHash('sha256')
    .update(
      [parts.appId, parts.detector, parts.target.type, parts.target.value, String(parts.triggerTime), parts.triggerEventId ?? ''].join('\n'),
    )
    .digest('base64url')
    .slice(0, 22);
}

/** The responses table's key (appId, id) as one string, for maps of responses. */
export function responseKey(appId: string, id: string): string {
  return `${appId}\n${id}`;
}

/** The response's own fields only: what is stored and served, whatever a caller attached to it. */
export function responseFields(r: SecurityResponse): SecurityResponse {
  return {
    id: r.id,
    appId: r.appId,
    action: r.action,
    target: { type: r.target.type, value: r.target.value },
    redirectUrl: r.redirectUrl,
    detector: r.detector,
    reason: r.reason,
    evidence: r.evidence,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    simulated: r.simulated,
  };
}
