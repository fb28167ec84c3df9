/**
 * The hot-path validator (src/events/validate.ts) must accept exactly what the zod schema accepts:
 * the schema defines the contract, the fast check only makes it cheap. fast-check generates valid
 * events and breaks them in every field.
 */
import fc from 'fast-check';
import { decodeEventText } from '../../src/events/decode';
import { EventSchema, LIMITS } from '../../src/events/schema';
import { checkEvent } from '../../src/events/validate';

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();
const badIp = fc.constantFrom('999.1.1.1', '1.2.3', '', 'localhost', '::g', '1.2.3.4 ', '01.2.3.4');
const goodTs = fc.date({ min: new Date('2001-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const badTs = fc.constantFrom('2026-11-28', '2026-11-28T12:00:00', 'yesterday', '2026-13-01T00:00:00Z', '1999-12-31T23:59:59Z', '2026-11-28T12:00:00.1234567891Z', '');
const text = (max: number) => fc.string({ maxLength: max + 2 });
const oddValue = fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), fc.string({ maxLength: 3 }), fc.object({ maxDepth: 1 }));
const types = ['login_failure', 'login_success', 'attack', 'request', 'custom'] as const;

const validEvent = fc.record(
  {
    v: fc.constant(1),
    id: fc.string({ minLength: 1, maxLength: 20 }),
    ts: goodTs,
    appId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/),
    type: fc.constantFrom(...types),
    actor: fc.record({ ip: fc.oneof(ipv4, ipv6), userAgent: text(10) }, { requiredKeys: ['ip'] }),
    user: fc.record({ id: text(5), login: text(10) }, { requiredKeys: [] }),
    attack: fc.record({ category: text(8), rule: text(8), blocked: fc.boolean() }, { requiredKeys: ['category'] }),
    request: fc.record({ method: text(4), path: text(12), status: fc.integer({ min: 100, max: 599 }) }, { requiredKeys: [] }),
    event: text(10),
    props: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    agent: fc.record({ id: text(5), host: text(5) }, { requiredKeys: [] }),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: ['v', 'ts', 'appId', 'type', 'actor'] },
).map((e) => {
  // An attack carries its attack, a custom event its name.
  if (e.type === 'attack' && e.attack === undefined) return { ...e, attack: { category: 'sqli' } };
  if (e.type === 'custom' && e.event === undefined) return { ...e, event: 'gift_card_redeem' };
  return e;
});

/** One targeted way to break (or not) an event. */
const mutation = fc.oneof(
  fc.record({ path: fc.constantFrom('v', 'id', 'ts', 'appId', 'type', 'actor', 'user', 'attack', 'request', 'event', 'props', 'agent'), value: oddValue }),
  fc.record({ path: fc.constant('actor.ip'), value: fc.oneof(badIp, oddValue) }),
  fc.record({ path: fc.constant('ts'), value: badTs }),
  fc.record({ path: fc.constantFrom('user.login', 'user.id', 'attack.category', 'attack.rule', 'event', 'agent.host'), value: fc.string({ minLength: LIMITS.shortText - 1, maxLength: LIMITS.shortText + 1 }) }),
  fc.record({ path: fc.constant('request.status'), value: fc.oneof(fc.constantFrom(99, 100, 599, 600, 404.5), fc.integer({ min: 0, max: 1000 }), fc.double(), fc.constant('404')) }),
  fc.record({ path: fc.constant('attack.blocked'), value: oddValue }),
  fc.record({ path: fc.constantFrom('appId'), value: fc.oneof(fc.string({ maxLength: 3 }), fc.constant('a'.repeat(LIMITS.appId + 1)), fc.constant('-app'), fc.constant('app 1')) }),
  fc.record({ path: fc.constant('type'), value: fc.constantFrom('attack', 'custom', 'login', 'LOGIN_FAILURE') }),
  fc.record({ path: fc.constantFrom('attack', 'event'), value: fc.constant(undefined) }),
);

function mutate(event: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const [head = '', tail] = path.split('.');
  if (tail === undefined) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
  } else {
    const inner = copy[head];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) (inner as Record<string, unknown>)[tail] = value;
    else copy[head] = { [tail]: value };
  }
  return copy;
}

describe('the fast event check agrees with the event schema', () => {
  it('on valid events', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        expect(EventSchema.safeParse(event).success).toBe(true);
        expect(checkEvent(event)).toBe(Date.parse(event.ts));
      }),
      { numRuns: 2000 },
    );
  });

  it('on events broken (or not) in one field', () => {
    fc.assert(
      fc.property(validEvent, fc.array(mutation, { minLength: 1, maxLength: 3 }), (event, mutations) => {
        let candidate: Record<string, unknown> = event;
        for (const m of mutations) candidate = mutate(candidate, m.path, m.value);
        const schemaAccepts = EventSchema.safeParse(candidate).success;
        expect(Number.isNaN(checkEvent(candidate))).toBe(!schemaAccepts);
      }),
      { numRuns: 5000 },
    );
  });

  it('on values that are not events at all', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(Number.isNaN(checkEvent(value))).toBe(!EventSchema.safeParse(value).success);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a rejection names what is wrong', () => {
  const valid = { v: 1, ts: '2026-11-28T12:00:00Z', appId: 'app-1', type: 'login_failure', actor: { ip: '203.0.113.7' } };
  it.each([
    ['not JSON', '{"v":1,', /^not JSON: /],
    ['not an object', '[1,2]', /^not an object: the record is an array/],
    ['a bad IP', JSON.stringify({ ...valid, actor: { ip: '999.1.1.1' } }), /^actor\.ip: "999\.1\.1\.1" is not an IPv4 or IPv6 address$/],
    ['a missing actor', JSON.stringify({ ...valid, actor: undefined }), /^actor: /],
    ['a bad timestamp', JSON.stringify({ ...valid, ts: 'yesterday' }), /^ts: "yesterday" is not an RFC 3339 timestamp/],
    ['an attack without its attack', JSON.stringify({ ...valid, type: 'attack' }), /^attack: /],
    ['an unknown type', JSON.stringify({ ...valid, type: 'login' }), /^type: /],
    ['a custom event without its name', JSON.stringify({ ...valid, type: 'custom' }), /^event: /],
    ['a status out of range', JSON.stringify({ ...valid, request: { status: 42 } }), /^request\.status: /],
    ['the wrong version', JSON.stringify({ ...valid, v: 2 }), /^v: /],
  ])('%s', (_name, text, reason) => {
    const result = decodeEventText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('keeps unknown fields', () => {
    const result = decodeEventText(JSON.stringify({ ...valid, tenant: 'x', actor: { ip: '::1', geo: 'FR' } }));
    expect(result.ok && result.event).toMatchObject({ tenant: 'x', actor: { geo: 'FR' } });
  });
});
