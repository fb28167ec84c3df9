/**
 * A response as the agent API serves it (docs/api.md, "Agent API"), read defensively: the agent
 * trusts Riposte, but a field it cannot read is a response it skips (and says so), never an
 * exception on a request.
 */

export type ResponseAction = 'ban' | 'redirect';
export type ResponseStatus = 'active' | 'revoked' | 'expired';

export interface RiposteResponse {
  id: string;
  action: ResponseAction;
  /** `ip`: an address (`203.0.113.7`) or a range in CIDR form (`2001:db8:1:2::/64`); `user`: what the application reports as `user.login`. */
  target: { type: 'ip' | 'user'; value: string };
  redirectUrl: string | null;
  detector: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  /** Written by a detector in simulation mode: counted, never enforced. */
  simulated: boolean;
  status: ResponseStatus;
}

const ACTIONS: ReadonlySet<string> = new Set(['ban', 'redirect']);
const TARGETS: ReadonlySet<string> = new Set(['ip', 'user']);
const STATUSES: ReadonlySet<string> = new Set(['active', 'revoked', 'expired']);

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The response in `value`, or what is wrong with it. */
export function readResponse(value: unknown): RiposteResponse | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const r = value as Record<string, unknown>;
  if (!isText(r.id)) return 'id is missing';
  if (!isText(r.action) || !ACTIONS.has(r.action)) return `${r.id}: action ${JSON.stringify(r.action)} is not ban or redirect`;
  const target = r.target as Record<string, unknown> | null | undefined;
  if (typeof target !== 'object' || target === null || !isText(target.type) || !TARGETS.has(target.type) || !isText(target.value)) {
    return `${r.id}: target ${JSON.stringify(r.target)} is not {type: ip|user, value}`;
  }
  if (!isText(r.expiresAt) || Number.isNaN(Date.parse(r.expiresAt))) return `${r.id}: expiresAt ${JSON.stringify(r.expiresAt)} is not a time`;
  // Older servers did not send status; what they sent was active.
  const status = r.status ?? 'active';
  if (!isText(status) || !STATUSES.has(status)) return `${r.id}: status ${JSON.stringify(r.status)} is not active, revoked or expired`;
  if (r.action === 'redirect' && r.status === 'active' && !isText(r.redirectUrl)) return `${r.id}: a redirect without redirectUrl`;
  return {
    id: r.id,
    action: r.action as ResponseAction,
    target: { type: target.type as 'ip' | 'user', value: target.value },
    redirectUrl: isText(r.redirectUrl) ? r.redirectUrl : null,
    detector: typeof r.detector === 'string' ? r.detector : '',
    reason: typeof r.reason === 'string' ? r.reason : '',
    createdAt: typeof r.createdAt === 'string' ? r.createdAt : '',
    expiresAt: r.expiresAt,
    simulated: r.simulated === true,
    status: status as ResponseStatus,
  };
}
