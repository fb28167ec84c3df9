/**
 * The detector contract. A detector is data plus a function of its parameters: a name, a
 * description, a zod schema of parameters with their defaults, and a `plan` saying which events it
 * looks at, what it groups them by, the window condition that fires, and the response. Built-in
 * detectors (`detectors/*.ts`) and playbooks both end as a `DetectorPlan`, compiled by the engine to
 * the same window primitives.
 */
import type { z } from 'zod';
import type { ResponseAction, TargetType } from './response';

/** A value an event field is compared with. */
export type Scalar = string | number | boolean;

/**
 * A condition on one event field. A bare scalar means "equals"; objects name an operator. All
 * conditions of a `MatchSpec` must hold. Playbooks write the same structure in YAML.
 */
export type FieldCondition =
  | Scalar
  | { in: readonly Scalar[] }
  | { prefix: string }
  | { gt?: number; gte?: number; lt?: number; lte?: number }
  | { cidr: readonly string[] }
  | { exists: boolean }
  | { regex: string; maxLength?: number };

/**
 * Field path (`type`, `request.status`, `props.giftCard`, …) → condition. An undefined condition is
 * no condition (TypeScript infers one when literals of different shapes meet in an array).
 */
export type MatchSpec = Readonly<Record<string, FieldCondition | undefined>>;

interface SignalBase {
  /** The events this signal looks at. */
  when: MatchSpec;
  threshold: number;
  windowSeconds: number;
  /**
   * The response's reason, with `{count}`, `{threshold}`, `{windowSeconds}` and `{field}`
   * placeholders: "{count} login failures in {windowSeconds} s". Any other placeholder fails at
   * load (`src/core/reason.ts`).
   */
  reason: string;
}

/** Fires when `threshold` matching events of one group fall within `windowSeconds`. */
export interface CountSignal extends SignalBase {
  kind: 'count';
}

/** Fires when one group shows `threshold` distinct values of `field` within `windowSeconds`. */
export interface DistinctSignal extends SignalBase {
  kind: 'distinct';
  field: string;
  /** Values kept per group; at least `threshold`. */
  maxValues?: number;
}

/** One step of a sequence: `threshold` events matching `when`. */
export interface SequenceStep {
  when: MatchSpec;
  threshold: number;
}

/**
 * Fires when one group's events run through `after`, step by step, and then `threshold` events
 * matching `when` follow — all within `windowSeconds` (N login failures, then a success: a brute
 * force that worked). Each step's events come strictly after the previous step's; one event counts
 * once. `{count}` in the reason is the number of events in the sequence.
 */
export interface SequenceSignal extends SignalBase {
  kind: 'sequence';
  /** The steps before the last one, in order; at least one. */
  after: readonly SequenceStep[];
}

export type SignalSpec = CountSignal | DistinctSignal | SequenceSignal;

export interface ResponseSpec {
  action: ResponseAction;
  /** Who is answered: the value of `field` in the event that fired, as an IP or a user. */
  target: { type: TargetType; field: string };
  durationSeconds: number;
  /** Where agents send the target; required for `redirect`. */
  redirectUrl?: string;
}

export interface DetectorPlan {
  /** Field paths whose values, together, name one group (an IP; a login; an IP and a login). */
  groupBy: readonly string[];
  /** The detector fires when any of its signals fires. */
  signals: readonly SignalSpec[];
  response: ResponseSpec;
  /**
   * After a response, the same target is not answered by this detector again for this long, even
   * if the response has expired. Without it, for as long as the response lasts.
   */
  cooldownSeconds?: number;
}

export interface DetectorDefinition<P extends z.ZodObject = z.ZodObject> {
  /** Also the file name under `detectors/` and the key for per-application overrides. */
  name: string;
  description: string;
  /** Every parameter with its default: an empty object must parse. */
  params: P;
  plan(params: z.output<P>): DetectorPlan;
}

/** Types a detector module; the engine applies parameter defaults, so a default is written once. */
export function defineDetector<P extends z.ZodObject>(definition: DetectorDefinition<P>): DetectorDefinition<P> {
  return definition;
}

/**
 * A detector ready to run for one application: its plan for that application's parameters, and
 * whether its responses are only simulated. `fingerprint` changes whenever the plan does, so the
 * engine keeps window state across configuration reloads that do not touch this detector.
 */
export interface ResolvedDetector {
  name: string;
  plan: DetectorPlan;
  simulate: boolean;
  fingerprint: string;
}
