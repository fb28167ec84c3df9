import { parsePlaybook } from './parse';
import { formatProblem } from './problems';

const base = {
  name: 'gift-cards',
  description: 'Bans an IP that tries many gift-card codes.',
  match: '{ type: custom, event: gift_card_redeem }',
  groupBy: 'actor.ip',
  window: '10m',
  threshold: '{ count: 20, distinct: props.code }',
  response: '{ action: ban, target: actor.ip, duration: 1h }',
};

/** A playbook from `base`, with keys replaced (a value of null drops the key) and lines appended. */
function playbook(changes: Partial<Record<keyof typeof base | string, string | null>> = {}, extra = ''): string {
  const keys = { ...base, ...changes };
  return (
    Object.entries(keys)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n') +
    '\n' +
    extra
  );
}

function plan(text: string) {
  const result = parsePlaybook(text, 'p.yaml');
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.playbook;
}

function problems(text: string, expectedName?: string): string[] {
  const result = parsePlaybook(text, 'p.yaml', { expectedName });
  if (result.ok) throw new Error('expected problems, the playbook is valid');
  return result.problems.map(formatProblem);
}

describe('parsing a valid playbook', () => {
  it.each([
    [
      'a distinct count with every short form expanded',
      playbook(),
      {
        groupBy: ['actor.ip'],
        signals: [
          { kind: 'distinct', when: { type: 'custom', event: 'gift_card_redeem' }, field: 'props.code', threshold: 20, windowSeconds: 600, reason: '{count} different {field} values in {windowSeconds} s' },
        ],
        response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: 3600 },
      },
    ],
    [
      'a count, a compound duration, a cooldown and a redirect of a user',
      playbook({ groupBy: '[actor.ip, user.login]', window: '1h30m', threshold: '5', cooldown: '2d', response: '{ action: redirect, target: user.login, duration: 90, url: /captcha }' }),
      {
        groupBy: ['actor.ip', 'user.login'],
        signals: [{ kind: 'count', when: { type: 'custom', event: 'gift_card_redeem' }, threshold: 5, windowSeconds: 5400, reason: '{count} matching events in {windowSeconds} s' }],
        response: { action: 'redirect', target: { type: 'user', field: 'user.login' }, durationSeconds: 90, redirectUrl: '/captcha' },
        cooldownSeconds: 172800,
      },
    ],
    [
      'a sequence whose steps share the playbook match',
      playbook(
        { match: '{ request.path: { prefix: /login } }', threshold: null, reason: '"{count} steps"' },
        'sequence:\n  - match: { type: login_failure }\n    count: 3\n  - match: { type: login_success }\n',
      ),
      {
        groupBy: ['actor.ip'],
        signals: [
          {
            kind: 'sequence',
            after: [{ when: { 'request.path': { prefix: '/login' }, type: 'login_failure' }, threshold: 3 }],
            when: { 'request.path': { prefix: '/login' }, type: 'login_success' },
            threshold: 1,
            windowSeconds: 600,
            reason: '{count} steps',
          },
        ],
        response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: 3600 },
      },
    ],
  ])('%s', (_name, text, expected) => {
    expect(plan(text).plan).toEqual(expected);
  });

  it('carries enabled and simulate to what the engine runs', () => {
    const p = plan(playbook({ enabled: 'false', simulate: 'true' }));
    expect([p.definition.enabled, p.detector.simulate, p.detector.name]).toEqual([false, true, 'gift-cards']);
  });

  it('gives an unchanged plan the same fingerprint, whatever the comments and description', () => {
    const a = plan(playbook());
    const b = plan(`# edited\n${playbook({ description: 'Another description.' })}`);
    const c = plan(playbook({ window: '11m' }));
    expect(b.detector.fingerprint).toBe(a.detector.fingerprint);
    expect(c.detector.fingerprint).not.toBe(a.detector.fingerprint);
  });
});

describe('a playbook with mistakes is refused with file, line, column and what is allowed', () => {
  it.each([
    ['a YAML syntax error', 'name: [gift\n', ['p.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]']],
    ['a file that is not a mapping', '- name: x\n', ['p.yaml:1:1: a playbook is a mapping of keys (name, description, match, groupBy, window, threshold, response…), not object']],
    ['a duplicate key', playbook({}, 'window: 5m\n'), ['p.yaml:8:1: Map keys must be unique']],
    [
      'a misspelt key, with the closest one',
      playbook({ window: null, windw: '10m' }),
      [
        'p.yaml:1:1: window: missing; e.g. 10m',
        'p.yaml:7:1: windw: unknown key (did you mean "window"?); keys here are name, description, enabled, simulate, match, groupBy, window, threshold, sequence, cooldown, reason, response',
      ],
    ],
    [
      'a misspelt operator',
      playbook({ match: '\n  type: custom\n  props.code: { prefx: GC- }' }),
      ['p.yaml:5:17: match.props.code.prefx: unknown operator "prefx" (did you mean "prefix"?); operators are in, prefix, gt, gte, lt, lte, cidr, exists, regex, maxLength'],
    ],
    ['an unknown event type', playbook({ match: '{ type: custm }' }), ['p.yaml:3:16: match.type: "custm" is not an event type (did you mean "custom"?); types are login_failure, login_success, attack, request, custom']],
    ['a misspelt field', playbook({ match: '{ type: custom, reqest.path: /x }' }), [expect.stringMatching(/^p\.yaml:3:24: match\.reqest\.path: "reqest\.path" is not an event field \(did you mean "request\.path"\?\); fields are id, ts, .*props\.<name>$/)]],
    ['a nested field', playbook({ match: '{ type: request, request: { status: 404 } }' }), [expect.stringContaining('write nested fields as one dotted key, e.g. request.status: ...')]],
    ['a quoted number', playbook({ match: '{ type: request, request.status: "404" }' }), ['p.yaml:3:41: match.request.status: request.status is a number, so "404" (a string) never matches it; write 404 without quotes']],
    ['a range on a text field', playbook({ match: '{ type: request, request.path: { gt: 3 } }' }), ['p.yaml:3:45: match.request.path.gt: request.path is text; gt compares numbers']],
    ['two operators in one condition', playbook({ match: '{ type: request, request.path: { prefix: /a, regex: b } }' }), [expect.stringContaining('match.request.path: one operator per field, found prefix and regex')]],
    ['an unsupported regex', playbook({ match: '{ type: request, request.path: { regex: "(a)\\\\1" } }' }), [expect.stringMatching(/^p\.yaml:3:48: match\.request\.path\.regex: not a regular expression RE2 accepts .*back-references and look-around are not supported$/)]],
    ['a regex too costly for its input bound', playbook({ match: '{ type: request, request.path: { regex: "a{1,200}", maxLength: 4096 } }' }), [expect.stringMatching(/match\.request\.path\.regex: pattern compiles to \d+ instructions; .* set maxLength to at most \d+$/)]],
    ['an empty CIDR list entry', playbook({ match: '{ type: request, actor.ip: { cidr: [10.0.0.0/33] } }' }), ['p.yaml:3:44: match.actor.ip.cidr[0]: "10.0.0.0/33" has prefix length 33; expected 0 to 32']],
    ['a wrong enum value', playbook({ response: '{ action: bann, target: actor.ip, duration: 1h }' }), ['p.yaml:7:21: response.action: "bann" is not one of ban, redirect (did you mean "ban"?)']],
    ['a missing action', playbook({ response: '{ target: actor.ip, duration: 1h }' }), ['p.yaml:7:1: response.action: missing; one of ban, redirect']],
    ['a duration in words', playbook({ window: 'ten minutes' }), ['p.yaml:5:9: window: "ten minutes" is not a duration; write a number of seconds or 30s, 10m, 1h, 1h30m, 2d']],
    ['a window over seven days', playbook({ window: '8d' }), ['p.yaml:5:9: window: 8d is out of range; from 1s to 7d']],
    ['a threshold and a sequence', playbook({}, 'sequence:\n  - match: { type: login_failure }\n  - match: { type: login_success }\n'), ['p.yaml:8:1: sequence: a playbook has either a threshold or a sequence, not both']],
    ['neither a threshold nor a sequence', playbook({ threshold: null }), [expect.stringMatching(/^p\.yaml:1:1: threshold: missing; say when the playbook fires/)]],
    ['a threshold without a match', playbook({ match: null }), [expect.stringMatching(/^p\.yaml:1:1: match: missing; say which events count/)]],
    ['a distinct count of a grouped field', playbook({ threshold: '{ count: 5, distinct: actor.ip }' }), ['p.yaml:6:34: threshold.distinct: actor.ip is a groupBy field, so each group holds only one value of it']],
    ['a target that is not grouped by', playbook({ response: '{ action: ban, target: user.login, duration: 1h }' }), [expect.stringMatching(/^p\.yaml:7:34: response\.target\.field: user\.login is not grouped by; the target is one of the groupBy fields \(actor\.ip\)/)]],
    ['a target of unknown kind', playbook({ groupBy: 'props.account', response: '{ action: ban, target: props.account, duration: 1h }' }), ['p.yaml:7:34: response.target: say whether props.account names an ip or a user: target: { field: props.account, as: ip }']],
    ['a redirect without a URL', playbook({ response: '{ action: redirect, target: actor.ip, duration: 1h }' }), [expect.stringMatching(/^p\.yaml:7:1: response\.url: missing; a redirect needs the URL/)]],
    ['a ban with a URL', playbook({ response: '{ action: ban, target: actor.ip, duration: 1h, url: /x }' }), ['p.yaml:7:58: response.url: a ban sends the target nowhere; url is for redirect']],
    ['an unknown reason placeholder', playbook({ reason: '"{cnt} codes"' }), ['p.yaml:8:9: reason: unknown placeholder {cnt}; placeholders are {count}, {threshold}, {windowSeconds}, {field}']],
    ['a sequence step out of range', playbook({ threshold: null, match: null }, 'sequence:\n  - match: { type: login_failure }\n    count: 101\n  - match: { type: login_success }\n'), [
      'p.yaml:6:1: sequence: a complete sequence needs 102 events; at most 100',
      'p.yaml:8:12: sequence[0].count: 101 is out of range; from 1 to 100',
    ]],
    ['a sequence of one step', playbook({ threshold: null, match: null }, 'sequence:\n  - match: { type: login_failure }\n'), ['p.yaml:7:3: sequence: 1 items; at least 2']],
    ['a name that is not kebab-case', playbook({ name: 'Gift_Cards' }), ['p.yaml:1:7: name: "Gift_Cards" is not a playbook name: lower-case words joined by dashes, e.g. gift-card-enumeration']],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('refuses a playbook whose name differs from the one it is stored under', () => {
    expect(problems(playbook(), 'coupons')).toEqual(['p.yaml:1:7: name: "gift-cards" differs from "coupons", the name it is stored under; a playbook has one name']);
  });
});
