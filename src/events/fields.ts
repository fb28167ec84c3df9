/**
 * Field paths such as `actor.ip` or `props.giftCard`, compiled once into plain property reads.
 * Detectors and playbooks name the fields they group by, count or match on; this is the only place
 * that turns such a name into code.
 */
import { actorIpKey } from './actor-ip';
import type { RiposteEvent } from './schema';

export type FieldValue = string | number | boolean;
export type FieldReader = (event: RiposteEvent) => FieldValue | undefined;

export const SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The event's own fields; `props.*` (and unknown top-level fields) are open. */
export const KNOWN_FIELDS = [
  'v',
  'id',
  'ts',
  'appId',
  'type',
  'event',
  'actor.ip',
  'actor.userAgent',
  'user.id',
  'user.login',
  'attack.category',
  'attack.rule',
  'attack.blocked',
  'request.method',
  'request.path',
  'request.status',
  'agent.id',
  'agent.host',
] as const;

/** Returns why `path` is not a field path, or null when it is one. */
export function fieldPathProblem(path: string): string | null {
  const segments = path.split('.');
  if (segments.length > 4) return `"${path}" is nested more than 4 levels deep`;
  for (const segment of segments) {
    if (!SEGMENT.test(segment)) {
      return `"${path}" is not a field path: use dotted names such as actor.ip, user.login or props.giftCard`;
    }
  }
  if (segments.length === 1 && !KNOWN_FIELDS.includes(path as (typeof KNOWN_FIELDS)[number])) {
    // A one-segment path other than the known scalars is almost always a typo for a nested field.
    return `"${path}" is not a field; fields are ${KNOWN_FIELDS.join(', ')} or props.<name>`;
  }
  return null;
}

function scalar(value: unknown): FieldValue | undefined {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' ? (value as FieldValue) : undefined;
}

type Bag = Record<string, unknown>;

function child(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Bag)[key] : undefined;
}

/**
 * Specialised by depth, so reading `actor.ip` costs two property loads and no loop: this runs for
 * every event and every detector.
 */
export function compileField(path: string): FieldReader {
  const problem = fieldPathProblem(path);
  if (problem !== null) throw new Error(problem);
  const [a = '', b = '', c = '', d = ''] = path.split('.');
  switch (path.split('.').length) {
    case 1:
      return (e) => scalar((e as unknown as Bag)[a]);
    case 2:
      return (e) => scalar(child((e as unknown as Bag)[a], b));
    case 3:
      return (e) => scalar(child(child((e as unknown as Bag)[a], b), c));
    default:
      return (e) => scalar(child(child(child((e as unknown as Bag)[a], b), c), d));
  }
}

/**
 * The value as a grouping or distinct key: strings as they are, numbers and booleans as text. An
 * empty string names no one, so it is no key. `actor.ip` is keyed as the actor it names: one text
 * for every form of an address, and an IPv6 address by its network under `ipv6Prefix` (actor-ip.ts).
 */
export function compileKey(path: string, ipv6Prefix: number): (event: RiposteEvent) => string | undefined {
  if (path === 'actor.ip') return (e) => actorIpKey(e.actor.ip, ipv6Prefix);
  const read = compileField(path);
  return (e) => {
    const value = read(e);
    if (typeof value === 'string') return value === '' ? undefined : value;
    return value === undefined ? undefined : String(value);
  };
}
