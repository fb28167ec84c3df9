/**
 * Event v1 as the agent reports it (Riposte's README, "Events"). Each event gets an id,
 * `<agent>:<boot>:<n>`: Riposte counts an event it receives twice (a batch sent again after a lost
 * answer) once, and the boot part keeps a restarted process (same host, same pid in a container)
 * from reusing the ids of the one before.
 *
 * What comes from a request (path, user agent, a login typed into a form) is an attacker's text:
 * it is cut to the schema's limits and its control characters replaced, because Riposte refuses an
 * event with either, and an attacker must not be able to keep a report from arriving by putting a
 * tab in their User-Agent.
 */
import { randomBytes } from 'node:crypto';

export type EventType = 'login_failure' | 'login_success' | 'attack' | 'request' | 'custom';

/** What an application reports with `track()`. */
export type TrackEvent =
  | { type: 'login_failure' | 'login_success'; user?: TrackedUser; props?: Record<string, unknown>; actor?: TrackedActor }
  | { type: 'custom'; event: string; user?: TrackedUser; props?: Record<string, unknown>; actor?: TrackedActor };

export interface TrackedUser {
  id?: string;
  login?: string;
}

export interface TrackedActor {
  /** Filled in from the request when it is given. */
  ip?: string;
  userAgent?: string;
}

/** An event ready to send: a plain JSON object. */
export type AgentEvent = Record<string, unknown> & { id: string; type: EventType };

/** The schema's limits (Riposte's src/events/schema.ts). */
export const TEXT_LIMITS = { short: 256, userAgent: 2048, path: 4096, prop: 1024 } as const;
const MAX_PROPS_DEPTH = 8;
// eslint-disable-next-line no-control-regex -- control characters are what these find
const CONTROL = /[\x00-\x1f\x7f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x1f\x7f]/g;

/** `text` within `max` characters and without control characters. */
export function cleanText(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return CONTROL.test(cut) ? cut.replace(CONTROLS, '\ufffd') : cut;
}

/** A JSON value Riposte accepts, from whatever the application put in `props`. */
function cleanValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return cleanText(value, TEXT_LIMITS.prop);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (depth >= MAX_PROPS_DEPTH) return undefined;
      if (Array.isArray(value)) return value.slice(0, 100).map((v) => cleanValue(v, depth + 1) ?? null);
      const out: Record<string, unknown> = {};
      let n = 0;
      for (const key of Object.keys(value)) {
        if (key === '__proto__' || ++n > 100) continue;
        const v = cleanValue((value as Record<string, unknown>)[key], depth + 1);
        if (v !== undefined) out[cleanText(key, TEXT_LIMITS.short)] = v;
      }
      return out;
    }
    default:
      return undefined; // functions, symbols, undefined: not JSON
  }
}

export function cleanProps(props: Record<string, unknown>): Record<string, unknown> {
  return cleanValue(props, 0) as Record<string, unknown>;
}

export function cleanUser(user: TrackedUser): TrackedUser {
  const out: TrackedUser = {};
  if (typeof user.id === 'string' || typeof user.id === 'number') out.id = cleanText(String(user.id), TEXT_LIMITS.short);
  if (typeof user.login === 'string') out.login = cleanText(user.login, TEXT_LIMITS.short);
  return out;
}

export class EventFactory {
  readonly #prefix: string;
  #seq = 0;

  constructor(
    readonly agentId: string,
    readonly host: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.#prefix = `${agentId}:${randomBytes(6).toString('base64url')}:`;
  }

  /** A v1 event of `type` by `actor`, with an id, the time, and this agent; `actor` and `fields` are already clean. */
  make(type: EventType, actor: { ip: string; userAgent?: string }, fields: Record<string, unknown>): AgentEvent {
    this.#seq += 1;
    return {
      v: 1,
      id: this.#prefix + this.#seq,
      ts: new Date(this.clock()).toISOString(),
      type,
      ...fields,
      actor,
      agent: { id: this.agentId, host: this.host },
    };
  }
}
