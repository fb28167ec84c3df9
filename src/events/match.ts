/**
 * Compiles a `MatchSpec` (structured conditions on event fields) into one predicate. There are no
 * expression strings anywhere: every operator is a key checked when the spec is built, so a typo is
 * an error before the first event, never a surprise on the hot path.
 */
import { BlockList, isIP } from 'node:net';
import type { FieldCondition, MatchSpec, Scalar } from '../core/detector';
import { didYouMean } from '../core/did-you-mean';
import { EVENT_TYPES, type EventType, type RiposteEvent } from './schema';
import { compileField, type FieldValue } from './fields';
import { compileSafeRegex } from './regex-safety';

export type EventPredicate = (event: RiposteEvent) => boolean;

export interface CompiledMatch {
  test: EventPredicate;
  /** The event types this match can accept: lets the engine skip it for every other type. */
  types: readonly EventType[];
}

/** Where in a MatchSpec something is wrong: the field, then the operator and list index. */
export type MatchPath = readonly (string | number)[];

export class MatchSpecError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** `path` as segments relative to the spec (`['request.path', 'regex']`), for locating it in a file. */
    readonly segments: MatchPath = [],
    readonly detail: string = message,
    /** The problem is the last segment's key itself (an unknown operator), not its value. */
    readonly onKey = false,
  ) {
    super(`${path}: ${message}`);
  }
}

export const RANGE_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export const OPERATORS = ['in', 'prefix', ...RANGE_OPERATORS, 'cidr', 'exists', 'regex', 'maxLength'] as const;

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
}

/** Cheaper tests run first, so a regular expression only sees events every other condition accepted. */
type Cost = 0 | 1 | 2;

interface FieldTest {
  test: EventPredicate;
  cost: Cost;
}

export function compileMatch(spec: MatchSpec, where = 'when'): CompiledMatch {
  const tests: FieldTest[] = [];
  let types: readonly EventType[] = EVENT_TYPES;
  for (const [field, condition] of Object.entries(spec)) {
    if (condition === undefined) continue;
    const fail = (segments: MatchPath, message: string, onKey = false): never => {
      throw new MatchSpecError([where, field, ...segments].join('.'), message, [field, ...segments], message, onKey);
    };
    let read;
    try {
      read = compileField(field);
    } catch (error) {
      return fail([], (error as Error).message);
    }
    if (field === 'type') types = typesOf(condition, fail);
    const { accepts, cost } = compileCondition(condition, fail);
    tests.push({ test: (e) => accepts(read(e)), cost });
  }
  tests.sort((a, b) => a.cost - b.cost);
  return { test: all(tests.map((t) => t.test)), types };
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

type Fail = (segments: MatchPath, message: string, onKey?: boolean) => never;

function typesOf(condition: FieldCondition, fail: Fail): readonly EventType[] {
  const listed = isScalar(condition) ? [condition] : typeof condition === 'object' && condition !== null && 'in' in condition ? condition.in : null;
  if (listed === null || !Array.isArray(listed)) return fail([], 'match event types with a value or `in: [...]`');
  listed.forEach((t, i) => {
    if (!EVENT_TYPES.includes(t as EventType)) {
      fail(isScalar(condition) ? [] : ['in', i], `${JSON.stringify(t)} is not an event type${didYouMean(String(t), EVENT_TYPES)}; types are ${EVENT_TYPES.join(', ')}`);
    }
  });
  return listed as EventType[];
}

type ValueTest = (value: FieldValue | undefined) => boolean;

function compileCondition(condition: FieldCondition, fail: Fail): { accepts: ValueTest; cost: Cost } {
  if (isScalar(condition)) return { accepts: (v) => v === condition, cost: 0 };
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    return fail([], `${JSON.stringify(condition)} is neither a value nor an object with one of ${OPERATORS.join(', ')}`);
  }
  const keys = Object.keys(condition);
  for (const key of keys) {
    if (!(OPERATORS as readonly string[]).includes(key)) {
      fail([key], `unknown operator "${key}"${didYouMean(key, OPERATORS)}; operators are ${OPERATORS.join(', ')}`, true);
    }
  }
  // One test per condition: two operators side by side would silently ignore one of them. Range
  // bounds combine (gte and lt make an interval), and maxLength belongs to regex.
  const kinds = new Set(keys.map((k) => ((RANGE_OPERATORS as readonly string[]).includes(k) ? 'range' : k === 'maxLength' ? 'regex' : k)));
  if (kinds.size > 1) {
    fail([], `one operator per field, found ${keys.join(' and ')}; only the range bounds gt, gte, lt and lte combine (a regex can often say what two operators would)`);
  }
  if (keys.length === 0) return fail([], `an empty condition; use one of ${OPERATORS.join(', ')}`);
  const c = condition as Record<string, unknown>;
  if ('in' in c) {
    const list = c.in;
    if (!Array.isArray(list) || list.length === 0) return fail(['in'], 'expected a non-empty list of values');
    list.forEach((v, i) => {
      if (!isScalar(v)) fail(['in', i], `${JSON.stringify(v)} is not a string, number or boolean`);
    });
    const set = new Set<FieldValue>(list as Scalar[]);
    return { accepts: (v) => v !== undefined && set.has(v), cost: 0 };
  }
  if ('prefix' in c) {
    const prefix = c.prefix;
    if (typeof prefix !== 'string' || prefix === '') return fail(['prefix'], 'expected a non-empty string');
    return { accepts: (v) => typeof v === 'string' && v.startsWith(prefix), cost: 0 };
  }
  if ('cidr' in c) return { accepts: cidrTest(c.cidr, fail), cost: 1 };
  if ('exists' in c) {
    const wanted = c.exists;
    if (typeof wanted !== 'boolean') return fail(['exists'], 'expected true or false');
    return { accepts: (v) => (v !== undefined) === wanted, cost: 0 };
  }
  if ('regex' in c) return { accepts: regexTest(c.regex, c.maxLength, fail), cost: 2 };
  if ('maxLength' in c) return fail(['maxLength'], 'maxLength bounds the input of a regex; add `regex:`');
  return { accepts: rangeTest(c, fail), cost: 0 };
}

function rangeTest(condition: Record<string, unknown>, fail: Fail): ValueTest {
  for (const op of RANGE_OPERATORS) {
    const b = condition[op];
    if (b !== undefined && (typeof b !== 'number' || !Number.isFinite(b))) fail([op], `${JSON.stringify(b)} is not a number`);
  }
  const gt = (condition.gt as number | undefined) ?? -Infinity;
  const gte = (condition.gte as number | undefined) ?? -Infinity;
  const lt = (condition.lt as number | undefined) ?? Infinity;
  const lte = (condition.lte as number | undefined) ?? Infinity;
  if (Math.max(gt, gte) > Math.min(lt, lte)) fail([], 'the lower bound is above the upper bound: no value can match');
  return (v) => typeof v === 'number' && v > gt && v >= gte && v < lt && v <= lte;
}

function cidrTest(ranges: unknown, fail: Fail): ValueTest {
  if (!Array.isArray(ranges) || ranges.length === 0) return fail(['cidr'], 'expected a non-empty list of CIDR ranges');
  const list = new BlockList();
  ranges.forEach((range: unknown, i) => {
    const problem = addToBlockList(list, range as string);
    if (problem !== null) fail(['cidr', i], problem);
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
export const MAX_REGEX_MAX_LENGTH = 4096;

function regexTest(pattern: unknown, maxLength: unknown, fail: Fail): ValueTest {
  const limit = maxLength ?? DEFAULT_REGEX_MAX_LENGTH;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_REGEX_MAX_LENGTH) {
    return fail(['maxLength'], `${JSON.stringify(maxLength)} is not an integer from 1 to ${MAX_REGEX_MAX_LENGTH}`);
  }
  if (typeof pattern !== 'string') return fail(['regex'], 'expected a string');
  const re = compileSafeRegex(pattern, limit);
  if (typeof re === 'string') return fail(['regex'], re);
  return (v) => typeof v === 'string' && v.length <= limit && re.test(v);
}
