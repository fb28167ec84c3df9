/**
 * What the agent decided about one request, for the framework adapters to carry out: let it through
 * (undefined), block it, or redirect its user.
 */
import type { RuleHit } from './inspect';
import type { RiposteResponse } from './responses';

/** Why a request is blocked: a response of Riposte on its address or user, or a rule of the pack. */
export type Block =
  | { kind: 'response'; response: RiposteResponse; clientIp: string | undefined; user: string | undefined }
  | { kind: 'rule'; ruleId: string; category: string; clientIp: string | undefined };

export type Decision =
  | { kind: 'block'; block: Block }
  /** 303 to `location`, the response's redirectUrl. */
  | { kind: 'redirect'; location: string; response: RiposteResponse };

export function ruleBlock(hit: RuleHit, clientIp: string | undefined): Block {
  return { kind: 'rule', ruleId: hit.rule.id, category: hit.rule.category, clientIp };
}
