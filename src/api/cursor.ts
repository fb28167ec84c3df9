/**
 * Cursors, opaque to their holders (base64url). The agent's cursor holds two or three change keys of
 * the responses store (see ResponseReader):
 * - `seen`: the newest change the agent has been given; a change after it is news.
 * - `safe`: every change up to it has been given, even one that became visible late; the next read
 *   starts there. It trails `seen` by the settle time (see agent-reads.ts).
 * - `next` (only while paging: the answer said `more`): the last change of the page given, where the
 *   next page starts. `safe` stays behind it until the paging is done, so that a change that becomes
 *   visible late behind a page is still read again once the wave has been paged through.
 * The admin API pages with a plain change key.
 */
import { changeKeyOf } from '../core/ports';
import { apiError } from './errors';

export interface AgentCursor {
  safe: string;
  seen: string;
  next?: string;
}

const CHANGE_KEY = /^\d{15}#[\x21-\x7e]{0,256}$/;

export function encodeAgentCursor(cursor: AgentCursor): string {
  const keys = cursor.next === undefined ? `${cursor.safe}\n${cursor.seen}` : `${cursor.safe}\n${cursor.seen}\n${cursor.next}`;
  return Buffer.from(keys, 'utf8').toString('base64url');
}

/**
 * ApiError `invalid_cursor` when `text` is not a cursor this API issued (or one from the future);
 * `param` is the query parameter it came in, which the error message names.
 */
export function decodeAgentCursor(text: string, param: string, nowMs: number, toleranceMs: number): AgentCursor {
  const [safe, seen, next, ...rest] = decode(text, param).split('\n');
  if (safe === undefined || seen === undefined || rest.length > 0 || !CHANGE_KEY.test(safe) || !CHANGE_KEY.test(seen) || safe > seen) {
    throw apiError('invalid_cursor', param, 'unknown format');
  }
  if (next !== undefined && (!CHANGE_KEY.test(next) || next > seen)) throw apiError('invalid_cursor', param, 'unknown format');
  notFromTheFuture(seen, param, nowMs, toleranceMs);
  return next === undefined ? { safe, seen } : { safe, seen, next };
}

export function encodeKey(changeKey: string): string {
  return Buffer.from(changeKey, 'utf8').toString('base64url');
}

/** Like decodeAgentCursor, for a cursor that is a plain change key. */
export function decodeKey(text: string, param: string, nowMs: number, toleranceMs: number): string {
  const key = decode(text, param);
  if (!CHANGE_KEY.test(key)) throw apiError('invalid_cursor', param, 'unknown format');
  notFromTheFuture(key, param, nowMs, toleranceMs);
  return key;
}

function decode(text: string, param: string): string {
  if (text.length > 800 || !/^[A-Za-z0-9_-]+$/.test(text)) throw apiError('invalid_cursor', param, 'not base64url');
  return Buffer.from(text, 'base64url').toString('utf8');
}

/** A cursor from the future would hide every change until that time: refuse it rather than go quiet. */
function notFromTheFuture(key: string, param: string, nowMs: number, toleranceMs: number): void {
  if (key > changeKeyOf(nowMs + toleranceMs, '\x7f')) throw apiError('invalid_cursor', param, 'it is from the future');
}
