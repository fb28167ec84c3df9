/**
 * The rules of the pack Riposte ships (rules/pack.json at the top of the repository), run over
 * requests as the agent sees them.
 */
import { readFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { inspectRequest, type InspectedRequest } from '../src/inspect';
import { compilePack, type CompiledPack } from '../src/rules';

const SHIPPED = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'rules', 'pack.json'), 'utf8')) as unknown;

function compiled(value: unknown = SHIPPED): CompiledPack {
  const pack = compilePack(value);
  if (typeof pack === 'string') throw new Error(pack);
  return pack;
}

const shipped = compiled();

interface RequestSpec {
  url?: string;
  originalUrl?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A real IncomingMessage, as a server hands it to its handler (no bytes go anywhere). */
function request(spec: RequestSpec): InspectedRequest {
  const req = new IncomingMessage(new Socket()) as InspectedRequest;
  req.method = 'GET';
  req.url = spec.url ?? '/';
  if (spec.originalUrl !== undefined) req.originalUrl = spec.originalUrl;
  req.headers = spec.headers ?? {};
  return req;
}

/** `rule-id:part` of each hit, and `!` after a blocking one. */
function hits(spec: RequestSpec, maxChars = 16_384, pack = shipped): string[] {
  const found = inspectRequest(pack, request(spec), spec.body, maxChars);
  return (found?.hits ?? []).map((h) => `${h.rule.id}:${h.part}${found?.block === h ? '!' : ''}`);
}

describe('the shipped rules pack on requests', () => {
  test.each<[string, RequestSpec, string[]]>([
    ['an ordinary page', { url: '/products/12?ref=home', headers: { 'user-agent': 'Mozilla/5.0', cookie: 'sid=abc' } }, []],
    ['SQL injection in the query, decoded', { url: "/search?q=%27%20OR%201%3D1" }, ['sqli-001:query!']],
    ['UNION SELECT with + for spaces', { url: '/search?q=1+union+all+select+password+from+users' }, ['sqli-001:query!']],
    ['an injection in a query parameter name', { url: '/search?%3Cscript%3E=1' }, ['xss-001:query!']],
    ['SQL injection in a cookie', { headers: { cookie: "sid=abc; pref=%27%20or%20%271%27%3D%271" } }, ['sqli-001:cookies!']],
    ['script tag in a JSON body, nested', { body: { review: { text: ['nice', '<script>alert(1)</script>'] } } }, ['xss-001:body!']],
    ['an injection in a body key', { body: { '<script>': 1 } }, ['xss-001:body!']],
    ['a form body as a string', { body: 'comment=hello; cat /etc/passwd' }, ['cmdi-001:body!']],
    ['path traversal in the raw path', { url: '/static/..%2f..%2fetc/passwd' }, ['lfi-001:path!']],
    ['Express rewrote req.url: the original URL is inspected', { url: '/', originalUrl: '/files/../../etc/passwd' }, ['lfi-001:path!']],
    ['a scanner user agent is reported, not blocked', { headers: { 'user-agent': 'sqlmap/1.7' } }, ['scan-001:userAgent']],
    ['a report rule does not stop a block rule', { url: '/search?q=<script>', headers: { 'user-agent': 'Nikto' } }, ['xss-001:query!']],
    ['cookies are not checked for XSS (the rule does not name them)', { headers: { cookie: 'x=<script>' } }, []],
    ['a Buffer body (not parsed) is not inspected', { body: Buffer.from('<script>') }, []],
  ])('%s', (_name, spec, expected) => {
    expect(hits(spec)).toEqual(expected);
  });

  test('the report hit comes before the block in the order parts are read', () => {
    expect(hits({ url: '/search?q=<script>', headers: { 'user-agent': 'sqlmap' }, body: { q: 'x' } })).toEqual(['xss-001:query!']);
    expect(hits({ url: '/', headers: { 'user-agent': 'sqlmap' }, body: { q: '<script>' } })).toEqual(['scan-001:userAgent', 'xss-001:body!']);
  });
});

describe('inspection is bounded', () => {
  test('an attack past the limit is not seen, and the request is marked truncated', () => {
    const body = { padding: 'a'.repeat(100), attack: '<script>' };
    expect(inspectRequest(shipped, request({}), body, 50)).toEqual({ block: undefined, hits: [], truncated: true });
    expect(hits({ body }, 200)).toEqual(['xss-001:body!']);
  });

  test('a huge body is inspected up to the limit only', () => {
    const body = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`field${i}`, 'x'.repeat(20)]));
    const found = inspectRequest(shipped, request({}), body, 16_384);
    expect(found?.truncated).toBe(true);
  });

  test('a pathological input for a backtracking engine costs RE2 linear time', () => {
    // (a+)+$ backtracks exponentially on "aaaa…!" in JavaScript's engine; RE2 does not backtrack.
    const pack = compiled({ format: 1, version: 't', rules: [{ id: 'redos', category: 'x', on: ['query'], pattern: '^(a+)+$', action: 'block' }] });
    expect(hits({ url: `/?q=${'a'.repeat(5000)}!` }, 16_384, pack)).toEqual([]);
  });
});

describe('compilePack', () => {
  test('compiles every rule of the shipped pack', () => {
    const pack = compiled();
    expect(pack.skipped).toEqual([]);
    expect(pack.rules.map((r) => r.id)).toEqual(['sqli-001', 'xss-001', 'lfi-001', 'cmdi-001', 'scan-001']);
  });

  test.each([
    ['a pattern RE2 refuses (a back-reference)', { id: 'r1', category: 'x', on: ['query'], pattern: '(a)\\1', action: 'block' }, 'r1: pattern is not one RE2 accepts'],
    ['an action it does not know', { id: 'r1', category: 'x', on: ['query'], pattern: 'a', action: 'tarpit' }, 'r1: action "tarpit" is not block or report'],
    ['no part it knows', { id: 'r1', category: 'x', on: ['headers'], pattern: 'a', action: 'block' }, 'r1: on ["headers"] names no part this agent knows'],
    ['no category', { id: 'r1', on: ['query'], pattern: 'a', action: 'block' }, 'r1: category is missing'],
  ])('skips a rule with %s, says why, and keeps the others', (_name, bad, problem) => {
    const pack = compiled({ format: 1, version: 't', rules: [bad, { id: 'ok', category: 'x', on: ['query'], pattern: 'evil', action: 'block' }] });
    expect(pack.rules.map((r) => r.id)).toEqual(['ok']);
    expect(pack.skipped).toEqual([expect.stringContaining(problem)]);
  });

  test('uses the parts it knows of a rule that also names parts it does not', () => {
    const pack = compiled({ format: 1, version: 't', rules: [{ id: 'r1', category: 'x', on: ['query', 'headers'], pattern: 'evil', action: 'block' }] });
    expect(pack.skipped).toEqual([expect.stringContaining('checked on query only')]);
    expect(hits({ url: '/?q=evil' }, 100, pack)).toEqual(['r1:query!']);
  });

  test.each([
    ['a pack of another format', { format: 2, rules: [] }, 'this agent reads format 1'],
    ['no rules list', { format: 1 }, 'no rules list'],
  ])('refuses %s', (_name, value, problem) => {
    expect(compilePack(value)).toEqual(expect.stringContaining(problem));
  });
});

describe('remembered verdicts', () => {
  test('a user agent is matched once, and what is remembered stays bounded', () => {
    const pack = compiled();
    expect(hits({ headers: { 'user-agent': 'sqlmap/1.7' } }, 16_384, pack)).toEqual(['scan-001:userAgent']);
    expect(pack.memo.userAgent?.get('sqlmap/1.7')?.map((r) => r.id)).toEqual(['scan-001']);
    expect(hits({ headers: { 'user-agent': 'sqlmap/1.7' } }, 16_384, pack)).toEqual(['scan-001:userAgent']);
    for (let i = 0; i < 5000; i++) inspectRequest(pack, request({ headers: { 'user-agent': `bot-${i}` } }), undefined, 16_384);
    expect(pack.memo.userAgent?.size).toBeLessThanOrEqual(2048);
  });
});
