/**
 * A playbook once validated: every value checked and in the units the engine uses. `to-plan.ts`
 * compiles it to a DetectorPlan.
 */
import type { MatchSpec } from '../core/detector';
import type { ResponseAction, TargetType } from '../core/response';

export type PlaybookCondition =
  | { kind: 'count'; match: MatchSpec; count: number }
  | { kind: 'distinct'; match: MatchSpec; count: number; field: string }
  | { kind: 'sequence'; steps: readonly { match: MatchSpec; count: number }[] };

export interface PlaybookDefinition {
  name: string;
  description: string;
  enabled: boolean;
  simulate: boolean;
  groupBy: readonly string[];
  windowSeconds: number;
  condition: PlaybookCondition;
  cooldownSeconds?: number;
  reason?: string;
  response: {
    action: ResponseAction;
    target: { type: TargetType; field: string };
    durationSeconds: number;
    redirectUrl?: string;
  };
}
