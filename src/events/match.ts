/**
 * Compiles a `MatchSpec` (structured conditions on event fields) into one predicate. There are no
 * expression strings anywhere: every operator is a key checked when the spec is built, so a typo is
 * an error before the first event, never a surprise on the hot path.
 */
import { BlockList, isIP } from 'node:net';
import type { FieldCondition, MatchSpec, Scalar } from '../core/detector';
import { EVENT_TYPES, type EventType, type RiposteEvent } from './schema';
import { compileField, type FieldValue } from './fields';
import { checkRegexSafety } from './regex-safety';

export type EventPredicate = (event: RiposteEvent) => boolean;

export interface CompiledMatch {
  test: EventPredicate;
  /** The event types this match can accept: lets the engine skip it for every other type. */
  types: readonly EventType[];
}

export class MatchSpecError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

const OPERATORS = ['in', 'prefix', 'gt', 'gte', 'lt', 'lte', 'cidr', 'exists', 'regex', 'maxLength'] as const;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function compileMatch(spec: MatchSpec, where = 'when'): CompiledMatch {
  const tests: EventPredicate[] = [];
  let types: readonly EventType[] = EVENT_TYPES;
  for (const [field, condition] of Object.entries(spec)) {
    if (condition === undefined) continue;
    const path = `${where}.${field}`;
    let read;
    try {
      read = compileField(field);
    } catch (error) {
      throw new MatchSpecError(path, (error as Error).message);
    }
    if (field === 'type') types = typesOf(condition, path);
    const accepts = compileCondition(condition, path);
    tests.push((e) => accepts(read(e)));
  }
  return { test: all(tests), types };
}

function all(tests: EventPredicate[]): EventPredicate {
  switch (tests.length) {
    case 0:
      return () => true;
    case 1:
      return tests[0] as EventPredicate;
    case 2: {
      const [a, b] = tests as [EventPredicate, EventPredicate];
      return (e) => a(e) && b(e);
    }
    default:
      return (e) => {
        for (const t of tests) if (!t(e)) return false;
        return true;
      };
  }
}

function typesOf(condition: FieldCondition, path: string): readonly EventType[] {
  const listed = isScalar(condition) ? [condition] : 'in' in condition ? condition.in : null;
  if (listed === null) throw new MatchSpecError(path, 'match event types with a value or `in: [...]`');
  for (const t of listed) {
    if (!EVENT_TYPES.includes(t as EventType)) {
      throw new MatchSpecError(path, `${JSON.stringify(t)} is not an event type; types are ${EVENT_TYPES.join(', ')}`);
    }
  }
  return listed as EventType[];
}

type ValueTest = (value: FieldValue | undefined) => boolean;

function compileCondition(condition: FieldCondition, path: string): ValueTest {
  if (isScalar(condition)) return (v) => v === condition;
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    throw new MatchSpecError(path, 'expected a value or an object with one of ' + OPERATORS.join(', '));
  }
  const keys = Object.keys(condition);
  for (const key of keys) {
    if (!(OPERATORS as readonly string[]).includes(key)) {
      throw new MatchSpecError(path, `unknown operator "${key}"; operators are ${OPERATORS.join(', ')}`);
    }
  }
  if ('in' in condition) {
    if (!Array.isArray(condition.in) || condition.in.length === 0 || !condition.in.every(isScalar)) {
      throw new MatchSpecError(`${path}.in`, 'expected a non-empty list of values');
    }
    const set = new Set<FieldValue>(condition.in);
    return (v) => v !== undefined && set.has(v);
  }
  if ('prefix' in condition) {
    const prefix = condition.prefix;
    if (typeof prefix !== 'string') throw new MatchSpecError(`${path}.prefix`, 'expected a string');
    return (v) => typeof v === 'string' && v.startsWith(prefix);
  }
  if ('cidr' in condition) return cidrTest(condition.cidr, `${path}.cidr`);
  if ('exists' in condition) {
    const wanted = condition.exists;
    if (typeof wanted !== 'boolean') throw new MatchSpecError(`${path}.exists`, 'expected true or false');
    return (v) => (v !== undefined) === wanted;
  }
  if ('regex' in condition) return regexTest(condition.regex, condition.maxLength, path);
  return rangeTest(condition, path);
}

function rangeTest(condition: { gt?: number; gte?: number; lt?: number; lte?: number }, path: string): ValueTest {
  const bounds = [condition.gt, condition.gte, condition.lt, condition.lte];
  if (bounds.every((b) => b === undefined)) throw new MatchSpecError(path, 'expected at least one of gt, gte, lt, lte');
  for (const b of bounds) {
    if (b !== undefined && (typeof b !== 'number' || !Number.isFinite(b))) {
      throw new MatchSpecError(path, `${JSON.stringify(b)} is not a number`);
    }
  }
  const gt = condition.gt ?? -Infinity;
  const gte = condition.gte ?? -Infinity;
  const lt = condition.lt ?? Infinity;
  const lte = condition.lte ?? Infinity;
  return (v) => typeof v === 'number' && v > gt && v >= gte && v < lt && v <= lte;
}

function cidrTest(ranges: readonly string[], path: string): ValueTest {
  if (!Array.isArray(ranges) || ranges.length === 0) throw new MatchSpecError(path, 'expected a non-empty list of CIDR ranges');
  const list = new BlockList();
  ranges.forEach((range, i) => {
    const problem = addToBlockList(list, range);
    if (problem !== null) throw new MatchSpecError(`${path}[${i}]`, problem);
  });
  return (v) => {
    if (typeof v !== 'string') return false;
    const family = isIP(v);
    return family !== 0 && list.check(v, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Adds an address or a CIDR range; returns what is wrong with it, or null. */
export function addToBlockList(list: BlockList, entry: string): string | null {
  if (typeof entry !== 'string') return `${JSON.stringify(entry)} is not an address or CIDR range`;
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return `"${entry}" is not an IPv4/IPv6 address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)`;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (bits === undefined) {
    list.addAddress(address, type);
    return null;
  }
  const prefix = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || prefix > max) return `"${entry}" has prefix length ${bits}; expected 0 to ${max}`;
  list.addSubnet(address, prefix, type);
  return null;
}

/** Inputs longer than this are not matched at all, which bounds the cost of any pattern. */
export const DEFAULT_REGEX_MAX_LENGTH = 256;

function regexTest(pattern: string, maxLength: number | undefined, path: string): ValueTest {
  if (typeof pattern !== 'string') throw new MatchSpecError(`${path}.regex`, 'expected a string');
  const problem = checkRegexSafety(pattern);
  if (problem !== null) throw new MatchSpecError(`${path}.regex`, problem);
  const limit = maxLength ?? DEFAULT_REGEX_MAX_LENGTH;
  if (!Number.isInteger(limit) || limit < 1 || limit > 4096) {
    throw new MatchSpecError(`${path}.maxLength`, `${JSON.stringify(maxLength)} is not an integer from 1 to 4096`);
  }
  const re = new RegExp(pattern);
  return (v) => typeof v === 'string' && v.length <= limit && re.test(v);
}
