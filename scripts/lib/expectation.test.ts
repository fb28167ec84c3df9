/**
 * The simulator's threshold events: which accepted event crosses a detector's threshold, counted in
 * the order the ingest API accepted them, and the delay measured from its acceptance.
 */
import { Expectation, type ExpectationSpec } from './expectation';

const failure = (ip: string, login: string, ts = '2026-11-28T12:00:00.000Z') => ({ type: 'login_failure', ts, actor: { ip }, user: { login } });
const request = (ip: string) => ({ type: 'request', ts: '2026-11-28T12:00:00.000Z', actor: { ip }, request: { path: '/', status: 200 } });

const count: ExpectationSpec = { detector: 'login-brute-force', action: 'ban', target: { type: 'ip', value: '192.0.2.1' }, threshold: 3, matches: (e) => e.type === 'login_failure', thresholdEvent: '3rd login failure' };
const distinct: ExpectationSpec = { ...count, detector: 'credential-stuffing', distinct: (e) => String((e.user as { login: string }).login), thresholdEvent: '3rd distinct login' };

describe('Expectation', () => {
  it.each([
    { name: 'a count crosses at the nth matching event', spec: count, events: [failure('192.0.2.1', 'a'), failure('192.0.2.1', 'a'), failure('192.0.2.1', 'a')], crossesAt: 2 },
    { name: 'events that do not match are not counted', spec: count, events: [failure('192.0.2.1', 'a'), request('192.0.2.1'), failure('192.0.2.1', 'a'), request('192.0.2.1'), failure('192.0.2.1', 'b')], crossesAt: 4 },
    { name: 'a distinct count ignores repeated values', spec: distinct, events: [failure('192.0.2.1', 'a'), failure('192.0.2.1', 'a'), failure('192.0.2.1', 'b'), failure('192.0.2.1', 'b'), failure('192.0.2.1', 'c')], crossesAt: 4 },
    { name: 'below the threshold nothing crosses', spec: distinct, events: [failure('192.0.2.1', 'a'), failure('192.0.2.1', 'b')], crossesAt: -1 },
  ])('$name', ({ spec, events, crossesAt }) => {
    const e = new Expectation(spec);
    const crossed = events.map((event, i) => e.accepted(event, 1000 + i));
    expect(crossed.indexOf(true)).toBe(crossesAt);
    expect(crossed.filter(Boolean).length).toBe(crossesAt === -1 ? 0 : 1);
    expect(e.thresholdAcceptedAt).toBe(crossesAt === -1 ? undefined : 1000 + crossesAt);
  });

  it('measures from the acceptance of the threshold event to the first agent, and to the last', () => {
    const e = new Expectation(count);
    for (let i = 0; i < 3; i++) e.accepted(failure('192.0.2.1', 'a', '2026-11-28T12:00:00.000Z'), 5000);
    expect(e.seen('agent-2', 5120, { id: 'r1', simulated: false })).toBe(true);
    expect(e.seen('agent-1', 5150, { id: 'r1', simulated: false })).toBe(false);
    expect(e.delayMs).toBe(120);
    expect(e.firstAgent).toBe('agent-2');
    expect(e.allAgentsDelayMs(3)).toBeUndefined(); // agent-3 has not seen it
    e.seen('agent-3', 5300, { id: 'r1', simulated: false });
    expect(e.allAgentsDelayMs(3)).toBe(300);
  });

  it('matches a response by detector and target only', () => {
    const e = new Expectation(count);
    expect(e.isFor('login-brute-force', { type: 'ip', value: '192.0.2.1' })).toBe(true);
    expect(e.isFor('credential-stuffing', { type: 'ip', value: '192.0.2.1' })).toBe(false);
    expect(e.isFor('login-brute-force', { type: 'user', value: '192.0.2.1' })).toBe(false);
    expect(e.isFor('login-brute-force', { type: 'ip', value: '192.0.2.2' })).toBe(false);
  });
});
