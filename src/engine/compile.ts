/**
 * Turns a detector plan into the closures the hot loop calls: a match predicate, a group-key reader,
 * and a window per signal. Built-in detectors and playbooks both pass through here, which is why a
 * playbook costs what the equivalent built-in costs.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DetectorPlan, MatchSpec, ResolvedDetector, SequenceSignal, SignalSpec } from '../core/detector';
import { compileKey } from '../events/fields';
import { compileMatch, type CompiledMatch } from '../events/match';
import type { RiposteEvent } from '../events/schema';
import { countCap } from '../window/count';
import { KeyedWindows, toStamp, type WindowBudget, type WindowTable } from '../window/keyed';
import { addToSequence, SequenceShape, SequenceState } from '../window/sequence';
import { CountTable, DistinctTable } from '../window/slots';
import type { WindowMatch } from '../window/types';

export interface CompiledSignal {
  readonly spec: SignalSpec;
  readonly match: CompiledMatch;
  readonly windowMs: number;
  readonly windows: WindowTable;
  /**
   * True when the window counts a report delivered twice once by itself (a count keeps id hashes; a
   * distinct count is unchanged by a repeat). Other kinds get the processor's index of event ids.
   */
  readonly duplicateSafe: boolean;
  /**
   * Adds the event to its group's window; reports the window it completes, null, or DUPLICATE.
   * `idHash` is the hash of the event's id (0 without one). Called only for events `match` accepted.
   */
  observe(key: string, event: RiposteEvent, time: number, oldestOnTime: number, idHash: number): WindowMatch | null;
}

export interface CompiledDetector {
  readonly name: string;
  readonly resolved: ResolvedDetector;
  readonly signals: readonly CompiledSignal[];
  readonly maxWindowMs: number;
  readonly cooldownMs: number;
  readonly ipv6Prefix: number;
  groupKey(event: RiposteEvent): string | undefined;
  targetValue(event: RiposteEvent): string | undefined;
}

export class PlanError extends Error {}

/** Separates the values of a multi-field group key; it cannot appear in JSON text unescaped. */
const KEY_SEPARATOR = '\u001f';

function compileGroupKey(paths: readonly string[], ipv6Prefix: number): (event: RiposteEvent) => string | undefined {
  const readers = paths.map((p) => compileKey(p, ipv6Prefix));
  if (readers.length === 1) return readers[0] as (event: RiposteEvent) => string | undefined;
  return (e) => {
    let key = '';
    for (let i = 0; i < readers.length; i++) {
      const part = (readers[i] as (event: RiposteEvent) => string | undefined)(e);
      if (part === undefined) return undefined;
      key = i === 0 ? part : key + KEY_SEPARATOR + part;
    }
    return key;
  };
}

function compileSignal(spec: SignalSpec, where: string, budget: WindowBudget, latenessMs: number, ipv6Prefix: number): CompiledSignal {
  if (spec.kind === 'sequence') return compileSequence(spec, where, budget);
  const match = compileMatch(spec.when, `${where}.when`);
  const windowMs = spec.windowSeconds * 1000;
  const threshold = spec.threshold;
  if (spec.kind === 'count') {
    const windows = new CountTable(budget);
    const cap = countCap(threshold, windowMs, latenessMs);
    return {
      spec,
      match,
      windowMs,
      windows,
      duplicateSafe: true,
      observe: (key, _event, time, oldestOnTime, idHash) => windows.observe(key, time, idHash, threshold, windowMs, oldestOnTime - windowMs, cap),
    };
  }
  const valueOf = compileKey(spec.field, ipv6Prefix);
  const windows = new DistinctTable(budget);
  const cap = Math.max(threshold, spec.maxValues ?? threshold);
  return {
    spec,
    match,
    windowMs,
    windows,
    duplicateSafe: true,
    observe(key, event, time) {
      const value = valueOf(event);
      return value === undefined ? null : windows.observe(key, value, time, threshold, windowMs, cap);
    },
  };
}

/** `ipv6Prefix`: the application's IPv6 actor prefix, for group keys, distinct values and targets read from `actor.ip`. */
export function compileDetector(resolved: ResolvedDetector, budget: WindowBudget, latenessMs: number, ipv6Prefix: number): CompiledDetector {
  const plan: DetectorPlan = resolved.plan;
  const where = `detectors.${resolved.name}`;
  if (plan.groupBy.length === 0) throw new PlanError(`${where}.groupBy: name at least one field to group events by`);
  if (plan.signals.length === 0) throw new PlanError(`${where}.signals: a detector needs at least one signal`);
  const signals = plan.signals.map((s, i) => compileSignal(s, `${where}.signals[${i}]`, budget, latenessMs, ipv6Prefix));
  const targetValue = compileKey(plan.response.target.field, ipv6Prefix);
  return {
    name: resolved.name,
    resolved,
    signals,
    maxWindowMs: Math.max(...signals.map((s) => s.windowMs)),
    cooldownMs: (plan.cooldownSeconds ?? 0) * 1000,
    ipv6Prefix,
    groupKey: compileGroupKey(plan.groupBy, ipv6Prefix),
    targetValue,
  };
}

/**
 * A sequence subscribes to the events of every step; `observe` then works out which steps the event
 * matches. An event `match` accepted met some step whole, so it meets the conditions every step
 * shares (a playbook's own `match`, often a regex): `observe` tests only each step's own conditions.
 * Its state keeps no event ids, so the processor's index of ids keeps a report delivered twice out of
 * it.
 */
function compileSequence(spec: SequenceSignal, where: string, budget: WindowBudget): CompiledSignal {
  const steps = [...spec.after, { when: spec.when, threshold: spec.threshold }];
  const matches = steps.map((s, i) => compileMatch(s.when, i < spec.after.length ? `${where}.after[${i}].when` : `${where}.when`));
  const stepTests = matches.map((m) => m.test);
  const tests = withoutShared(steps.map((s) => s.when)).map((when) => compileMatch(when).test);
  const types = [...new Set(matches.flatMap((m) => m.types))];
  const windowMs = spec.windowSeconds * 1000;
  const shape = new SequenceShape(steps.map((s) => s.threshold), windowMs);
  const windows = new KeyedWindows<SequenceState>(budget);
  return {
    spec,
    match: { test: (e) => anyOf(stepTests, e), types },
    windowMs,
    windows,
    duplicateSafe: false,
    observe(key, event, time, oldestOnTime) {
      let mask = 0;
      for (let j = 0; j < tests.length; j++) if ((tests[j] as (e: RiposteEvent) => boolean)(event)) mask |= 1 << j;
      if (mask === 0) return null;
      let state = windows.get(key);
      if (state === undefined) {
        state = new SequenceState(shape, toStamp(time));
        windows.insert(key, state);
      }
      return addToSequence(state, shape, time, mask, oldestOnTime);
    },
  };
}

/** Each spec without the conditions that every spec has, equal. */
function withoutShared(specs: readonly MatchSpec[]): MatchSpec[] {
  const [first = {}, ...others] = specs;
  const shared = new Set(Object.keys(first).filter((field) => others.every((s) => field in s && isDeepStrictEqual(s[field], first[field]))));
  return specs.map((s) => Object.fromEntries(Object.entries(s).filter(([field]) => !shared.has(field))));
}

function anyOf(tests: readonly ((e: RiposteEvent) => boolean)[], event: RiposteEvent): boolean {
  for (let j = 0; j < tests.length; j++) if ((tests[j] as (e: RiposteEvent) => boolean)(event)) return true;
  return false;
}
