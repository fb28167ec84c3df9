/** The agent cursor's text form: what the API issues, it takes back; what it did not, it refuses. */
import { changeKeyOf } from '../core/ports';
import { decodeAgentCursor, encodeAgentCursor, type AgentCursor } from './cursor';
import { ApiError } from './errors';

const NOW = Date.parse('2026-11-28T12:00:00.000Z');
const key = (ms: number, id = '') => changeKeyOf(NOW + ms, id);
const decode = (cursor: AgentCursor | string) => decodeAgentCursor(typeof cursor === 'string' ? cursor : encodeAgentCursor(cursor), 'since', NOW, 60_000);

describe('agent cursors', () => {
  test.each<[string, AgentCursor]>([
    ['a cursor between pages keeps where the next page starts', { safe: key(-5000), seen: key(0, 'b'), next: key(0, 'b') }],
    ['a cursor after the last page has no next', { safe: key(-5000), seen: key(0) }],
  ])('%s', (_name, cursor) => {
    expect(decode(cursor)).toEqual(cursor);
  });

  test.each<[string, string]>([
    ['a next beyond what was seen', Buffer.from(`${key(-5000)}\n${key(0)}\n${key(1000)}`).toString('base64url')],
    ['a next that is not a change key', Buffer.from(`${key(-5000)}\n${key(0)}\nnope`).toString('base64url')],
    ['four keys', Buffer.from(`${key(-5000)}\n${key(0)}\n${key(0)}\n${key(0)}`).toString('base64url')],
  ])('%s is refused as invalid_cursor', (_name, text) => {
    expect(() => decode(text)).toThrow(ApiError);
  });
});
