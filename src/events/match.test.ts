import type { MatchSpec } from '../core/detector';
import { compileMatch, MatchSpecError } from './match';
import type { RiposteEvent } from './schema';

const event = (fields: Record<string, unknown>) => ({ v: 1, ts: '2026-11-28T12:00:00Z', appId: 'a', type: 'request', actor: { ip: '203.0.113.7' }, ...fields }) as unknown as RiposteEvent;

describe('matching events', () => {
  it.each<[string, MatchSpec, Record<string, unknown>, boolean]>([
    ['a value equals', { 'request.status': 404 }, { request: { status: 404 } }, true],
    ['a number never equals its text', { 'request.status': 404 }, { request: { status: '404' } }, false],
    ['one of a list', { 'request.method': { in: ['POST', 'PUT'] } }, { request: { method: 'PUT' } }, true],
    ['a prefix', { 'request.path': { prefix: '/api/' } }, { request: { path: '/api/users' } }, true],
    ['range bounds combine into an interval', { 'props.amount': { gte: 1, lt: 5 } }, { props: { amount: 5 } }, false],
    ['a CIDR range', { 'actor.ip': { cidr: ['203.0.113.0/24'] } }, {}, true],
    ['an IPv6 address outside the ranges', { 'actor.ip': { cidr: ['203.0.113.0/24'] } }, { actor: { ip: '2001:db8::1' } }, false],
    ['a missing field', { 'user.login': { exists: false } }, {}, true],
    ['a regex', { 'request.path': { regex: '^/products/[0-9]+$' } }, { request: { path: '/products/12' } }, true],
    ['a regex on input longer than its bound', { 'request.path': { regex: 'x', maxLength: 4 } }, { request: { path: '/x/yz' } }, false],
    ['a case-insensitive regex', { 'user.login': { regex: '(?i)@EXAMPLE\\.com$' } }, { user: { login: 'a@example.com' } }, true],
    // On a backtracking engine this input takes exponential time; RE2 is linear.
    ['a pattern that backtracks catastrophically elsewhere', { 'request.path': { regex: '^(a|a)*b$', maxLength: 4096 } }, { request: { path: 'a'.repeat(4000) } }, false],
    ['every condition must hold', { type: 'request', 'request.status': 404 }, { request: { status: 200 } }, false],
  ])('%s', (_name, spec, fields, expected) => {
    expect(compileMatch(spec).test(event(fields))).toBe(expected);
  });

  it('knows which event types a match can accept', () => {
    expect(compileMatch({ type: { in: ['login_failure', 'login_success'] } }).types).toEqual(['login_failure', 'login_success']);
  });
});

describe('refusing a match spec', () => {
  it.each<[string, MatchSpec, string, readonly (string | number)[]]>([
    ['two operators, of which one would be ignored', { 'request.path': { prefix: '/a', regex: 'b' } } as unknown as MatchSpec, 'when.request.path: one operator per field, found prefix and regex', ['request.path']],
    ['maxLength without a regex', { 'request.path': { maxLength: 3 } } as unknown as MatchSpec, 'when.request.path.maxLength: maxLength bounds the input of a regex', ['request.path', 'maxLength']],
    ['an unknown operator', { 'request.path': { startsWith: '/a' } } as unknown as MatchSpec, 'when.request.path.startsWith: unknown operator "startsWith"', ['request.path', 'startsWith']],
    ['an empty bound interval', { 'props.n': { gt: 5, lt: 3 } }, 'when.props.n: the lower bound is above the upper bound', ['props.n']],
    ['a back-reference', { 'request.path': { regex: '(a)\\1' } }, 'when.request.path.regex: not a regular expression RE2 accepts', ['request.path', 'regex']],
    ['a bad list item', { 'request.method': { in: ['GET', null] } } as unknown as MatchSpec, 'when.request.method.in.1: null is not a string, number or boolean', ['request.method', 'in', 1]],
  ])('%s', (_name, spec, message, segments) => {
    let error: unknown;
    try {
      compileMatch(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MatchSpecError);
    expect((error as MatchSpecError).message.startsWith(message)).toBe(true);
    expect((error as MatchSpecError).segments).toEqual(segments);
  });
});
