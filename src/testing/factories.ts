/**
 * Realistic events and records for tests, written compactly: `loginFailure({ ip, login, at: 12 })`
 * is a failed login 12 s after BASE_TIME. Times are event times, so every test replays identically.
 */
import type { ShardRecord } from '../engine/types';

export const BASE_TIME = Date.parse('2026-11-28T12:00:00.000Z');
export const DEFAULT_APP = 'app-1';

/** ISO time `seconds` after BASE_TIME. */
export function at(seconds: number): string {
  return new Date(BASE_TIME + Math.round(seconds * 1000)).toISOString();
}

export type TestEvent = Record<string, unknown> & { ts: string; appId: string; type: string };

interface Common {
  /** Seconds after BASE_TIME. */
  at: number;
  ip: string;
  app?: string;
  id?: string;
  props?: Record<string, unknown>;
}

function base(type: string, o: Common): TestEvent {
  const e: TestEvent = { v: 1, ts: at(o.at), appId: o.app ?? DEFAULT_APP, type, actor: { ip: o.ip } };
  if (o.id !== undefined) e.id = o.id;
  if (o.props !== undefined) e.props = o.props;
  return e;
}

export function loginFailure(o: Common & { login?: string }): TestEvent {
  const e = base('login_failure', o);
  if (o.login !== undefined) e.user = { login: o.login };
  e.request = { method: 'POST', path: '/login', status: 401 };
  return e;
}

export function loginSuccess(o: Common & { login: string }): TestEvent {
  return { ...base('login_success', o), user: { login: o.login } };
}

export function attack(o: Common & { category: string; rule?: string }): TestEvent {
  return { ...base('attack', o), attack: { category: o.category, rule: o.rule ?? `${o.category}-001`, blocked: true } };
}

export function request(o: Common & { path: string; status: number }): TestEvent {
  return { ...base('request', o), request: { method: 'GET', path: o.path, status: o.status } };
}

export function custom(o: Common & { event: string; login?: string }): TestEvent {
  const e: TestEvent = { ...base('custom', o), event: o.event };
  if (o.login !== undefined) e.user = { login: o.login };
  return e;
}

/** `count` events made by `make(i)`. */
export function times<T>(count: number, make: (i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) => make(i));
}

let sequence = 0n;

/**
 * Events as Kinesis records, in the given order, with increasing sequence numbers. Arrival is the
 * event time plus `arrivalDelayMs` (agents send a little after the fact).
 */
export function toRecords(events: readonly object[], options: { arrivalDelayMs?: number } = {}): ShardRecord[] {
  return events.map((e) => {
    sequence += 1n;
    const ts = (e as { ts?: unknown }).ts;
    const time = typeof ts === 'string' ? Date.parse(ts) : NaN;
    return {
      data: Buffer.from(JSON.stringify(e)),
      sequenceNumber: (49_000_000_000_000_000_000_000_000_000n + sequence).toString(),
      subSequenceNumber: 0,
      arrivalTime: Number.isNaN(time) ? undefined : time + (options.arrivalDelayMs ?? 500),
      partitionKey: (e as { appId?: string }).appId ?? DEFAULT_APP,
    };
  });
}

/** A raw record holding `text` (for malformed input). */
export function rawRecord(text: string | Buffer): ShardRecord {
  sequence += 1n;
  return {
    data: typeof text === 'string' ? Buffer.from(text) : text,
    sequenceNumber: (49_000_000_000_000_000_000_000_000_000n + sequence).toString(),
    subSequenceNumber: 0,
  };
}
