import { ResponseTable } from '../src/response-table';
import { readResponse, type RiposteResponse } from '../src/responses';
import { response, type ResponseSpec } from './factories';

const NOW = Date.parse('2026-11-28T12:00:00Z');

function tableOf(...specs: ResponseSpec[]): ResponseTable {
  const table = new ResponseTable();
  for (const spec of specs) table.apply(response({ now: NOW, ...spec }), NOW);
  return table;
}

/** What the table enforces on `ip` now: the response id, `~id` for a simulated one, or null. */
function onIp(table: ResponseTable, ip: string, now = NOW): string | null {
  const entry = table.matchIp(ip, now);
  return entry === undefined ? null : `${entry.simulated ? '~' : ''}${entry.response.id}`;
}

describe('ResponseTable: which response a client address is under', () => {
  test.each<[string, ResponseSpec[], string, string | null]>([
    ['a ban on the address', [{ id: 'b', ip: '203.0.113.7' }], '203.0.113.7', 'b'],
    ['another address is not banned', [{ id: 'b', ip: '203.0.113.7' }], '203.0.113.8', null],
    ['an IPv6 ban written in another form', [{ id: 'b', ip: '2001:DB8:0::7' }], '2001:db8::7', 'b'],
    ['an IPv6 /64 range holds every address of the range', [{ id: 'r', ip: '2001:db8:1:2::/64' }], '2001:db8:1:2:aaaa:bbbb:cccc:dddd', 'r'],
    ['an IPv6 /64 range does not hold the next /64', [{ id: 'r', ip: '2001:db8:1:2::/64' }], '2001:db8:1:3::1', null],
    ['an IPv4 /24 range holds its addresses', [{ id: 'r', ip: '198.51.100.0/24' }], '198.51.100.250', 'r'],
    ['an IPv4 /24 range does not hold its neighbour', [{ id: 'r', ip: '198.51.100.0/24' }], '198.51.101.1', null],
    ['ranges of one family never match the other', [{ id: 'r', ip: '::/0' }], '198.51.100.1', null],
    ['ranges of several prefix lengths are each checked', [{ id: 'a', ip: '2001:db8:9::/48' }, { id: 'b', ip: '198.51.0.0/16' }], '198.51.7.7', 'b'],
    ['a simulated ban is found, marked simulated', [{ id: 's', ip: '203.0.113.7', simulated: true }], '203.0.113.7', '~s'],
    ['a real ban wins over a simulated one on the same address', [{ id: 's', ip: '203.0.113.7', simulated: true }, { id: 'b', ip: '203.0.113.7' }], '203.0.113.7', 'b'],
    ['a real range ban wins over a simulated address ban', [{ id: 's', ip: '203.0.113.7', simulated: true }, { id: 'r', ip: '203.0.113.0/24' }], '203.0.113.7', 'r'],
    ['an expired ban is not applied', [{ id: 'b', ip: '203.0.113.7', seconds: -1 }], '203.0.113.7', null],
    ['a revoked ban is not applied', [{ id: 'b', ip: '203.0.113.7', status: 'revoked' }], '203.0.113.7', null],
  ])('%s', (_name, specs, ip, expected) => {
    expect(onIp(tableOf(...specs), ip)).toBe(expected);
  });

  test('a ban stops at its expiry, with no message from Riposte', () => {
    const table = tableOf({ id: 'b', ip: '203.0.113.7', seconds: 60 });
    expect(onIp(table, '203.0.113.7', NOW + 59_999)).toBe('b');
    expect(onIp(table, '203.0.113.7', NOW + 60_000)).toBeNull();
  });

  test.each<[string, RiposteResponse['status']]>([
    ['revoked', 'revoked'],
    ['expired', 'expired'],
  ])('a response that comes again %s leaves the table at once', (_name, status) => {
    const table = tableOf({ id: 'b', ip: '203.0.113.7' }, { id: 'r', ip: '2001:db8:1:2::/64' });
    expect(table.apply(response({ id: 'b', ip: '203.0.113.7', status, now: NOW }), NOW)).toBe('removed');
    expect(table.apply(response({ id: 'r', ip: '2001:db8:1:2::/64', status, now: NOW }), NOW)).toBe('removed');
    expect(onIp(table, '203.0.113.7')).toBeNull();
    expect(onIp(table, '2001:db8:1:2::1')).toBeNull();
    expect(table.hasIpTargets).toBe(false);
  });

  test('applying the same response twice changes nothing', () => {
    const table = tableOf({ id: 'b', ip: '203.0.113.7' }, { id: 'b', ip: '203.0.113.7' });
    expect(table.counts(NOW)).toEqual({ addresses: 1, ranges: 0, users: 0, simulated: 0 });
    table.remove('b');
    expect(onIp(table, '203.0.113.7')).toBeNull();
  });

  test('replaceAll keeps exactly the responses of the new list', () => {
    const table = tableOf({ id: 'old', ip: '203.0.113.1' }, { id: 'kept', ip: '203.0.113.2' });
    table.replaceAll([response({ id: 'kept', ip: '203.0.113.2', now: NOW }), response({ id: 'new', ip: '203.0.113.3', now: NOW })], NOW);
    expect(['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((ip) => onIp(table, ip))).toEqual([null, 'kept', 'new']);
  });

  test('sweep drops what has expired and keeps the rest', () => {
    const table = tableOf({ id: 'short', ip: '203.0.113.1', seconds: 10 }, { id: 'long', ip: '203.0.113.2', seconds: 100 });
    expect(table.sweep(NOW + 50_000)).toBe(1);
    expect(table.counts(NOW)).toEqual({ addresses: 1, ranges: 0, users: 0, simulated: 0 });
  });

  test('an IP target that is neither an address nor a range is unusable, not an error', () => {
    expect(new ResponseTable().apply(response({ ip: 'not-an-ip', now: NOW }), NOW)).toBe('unusable');
  });
});

describe('ResponseTable: users', () => {
  test.each<[string, ResponseSpec[], string, string | null]>([
    ['a redirect on the user', [{ id: 'u', user: 'alice@example.com' }], 'alice@example.com', 'u'],
    ['another user', [{ id: 'u', user: 'alice@example.com' }], 'bob@example.com', null],
    ['a ban on a user (a playbook may write one)', [{ id: 'u', user: 'alice@example.com', action: 'ban' }], 'alice@example.com', 'u'],
  ])('%s', (_name, specs, user, expected) => {
    expect(tableOf(...specs).matchUser(user, NOW)?.response.id ?? null).toBe(expected);
  });
});

describe('readResponse', () => {
  test('reads a response as the agent API serves it', () => {
    const r = response({ now: NOW });
    expect(readResponse(JSON.parse(JSON.stringify({ ...r, appId: 'shop', evidence: {}, revokedAt: null })))).toEqual(r);
  });

  test.each([
    ['not an object', 'x', 'not an object'],
    ['no id', { action: 'ban' }, 'id is missing'],
    ['an unknown action', { ...response(), action: 'tarpit' }, 'action "tarpit" is not ban or redirect'],
    ['an unknown target type', { ...response(), target: { type: 'asn', value: '64500' } }, 'is not {type: ip|user, value}'],
    ['an expiry that is not a time', { ...response(), expiresAt: 'soon' }, 'expiresAt "soon" is not a time'],
    ['an active redirect without a URL', { ...response({ user: 'alice' }), redirectUrl: null }, 'a redirect without redirectUrl'],
  ])('refuses %s, saying what is wrong', (_name, value, problem) => {
    expect(readResponse(value)).toEqual(expect.stringContaining(problem));
  });
});
