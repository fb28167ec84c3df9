import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPERATORS } from '../events/match';
import { EDITOR_OPERATORS, playbookJsonSchemaText, SCHEMA_FILE } from './editor-schema';
import { parsePlaybook } from './parse';
import { formatProblem } from './problems';

// The JSON Schema editors validate playbooks with is generated from the zod schema and committed;
// these tests keep the file in step with the code, and hold the schema to its promise: it never
// refuses a playbook the loader takes, and it catches the typos an editor should underline.
const root = join(__dirname, '..', '..');
const committed = readFileSync(join(root, SCHEMA_FILE), 'utf8');
// zod reads JSON Schema as well as it writes it: the committed file itself is what validates here.
const editor = z.fromJSONSchema(JSON.parse(committed) as Parameters<typeof z.fromJSONSchema>[0]);

const loaderTakes = (text: string) => parsePlaybook(text, 'p.yaml');
const editorIssues = (text: string) => {
  const result = editor.safeParse(parse(text));
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const examplesDir = join(root, 'playbooks');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

/** The YAML blocks of the docs that are whole playbooks (they have a name). */
function documentedPlaybooks(): [string, string][] {
  const files = [join(root, 'docs', 'playbooks.md'), ...readdirSync(examplesDir).filter((f) => f.endsWith('.md')).map((f) => join(examplesDir, f))];
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .filter((block) => /^name: /m.test(block))
      .map((block, i): [string, string] => [`${file.slice(root.length + 1)} block ${i + 1}`, block]),
  );
}

const base = `name: gift-cards
description: Bans an IP that tries many gift-card codes.
match: { type: custom, event: gift_card_redeem }
groupBy: actor.ip
window: 10m
threshold: { count: 20, distinct: props.code }
response: { action: ban, target: actor.ip, duration: 1h }
`;
const withKey = (key: string, value: string) => base.replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: ${value}`);

describe('the playbook JSON Schema', () => {
  it(`is committed as ${SCHEMA_FILE}, exactly as the zod schema generates it (npm run schema:playbook)`, () => {
    expect(committed).toBe(playbookJsonSchemaText());
  });

  it('knows the operators the matcher knows', () => {
    expect([...EDITOR_OPERATORS].sort()).toEqual([...OPERATORS].sort());
  });

  it.each(examples)('is named by the example %s, which it accepts', (file) => {
    const text = readFileSync(join(examplesDir, file), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./playbook.schema.json');
    expect(editorIssues(text)).toEqual([]);
  });

  it.each(documentedPlaybooks())('accepts the playbook of %s when the loader does', (_where, text) => {
    const loaded = loaderTakes(text);
    if (loaded.ok) expect(editorIssues(text)).toEqual([]);
    else expect(loaded.problems.map(formatProblem)).not.toEqual([]);
  });

  it.each([
    ['the short forms', base],
    ['the long forms', withKey('groupBy', '[actor.ip]').replace('target: actor.ip', 'target: { field: actor.ip, as: ip }')],
    ['a threshold as a number', withKey('threshold', '20')],
    ['durations in seconds and in units', withKey('window', '600').replace('duration: 1h', 'duration: 1h30m')],
    ['a duration with blanks around it', withKey('window', '" 10m "')],
    ['every operator', withKey('match', '{ type: { in: [custom] }, event: { prefix: gift }, props.amount: { gte: 1, lt: 5 }, actor.ip: { cidr: [203.0.113.0/24] }, user.login: { exists: true }, request.path: { regex: "^/g", maxLength: 64 } }')],
    ['nested props, a grouped list and a redirect', withKey('groupBy', '[actor.ip, props.shop.region]').replace('{ action: ban, target: actor.ip, duration: 1h }', '{ action: redirect, target: actor.ip, duration: 1h, url: /captcha }')],
    ['a sequence, a cooldown and a reason', `${withKey('threshold', 'null').replace('threshold: null\n', '')}sequence: [{ match: { props.result: invalid }, count: 3 }, { match: { props.result: valid } }]\ncooldown: 6h\nreason: "{count} tries"\nenabled: false\nsimulate: true\n`],
  ])('accepts %s, as the loader does', (_what, text) => {
    expect(loaderTakes(text)).toMatchObject({ ok: true });
    expect(editorIssues(text)).toEqual([]);
  });

  it.each([
    ['a misspelt key', `${base}treshold: 3\n`, [': Unrecognized key: "treshold"']],
    ['a duration in words', withKey('window', '10 minutes'), [expect.stringMatching(/^window: Invalid string: must match pattern/)]],
    ['a field that does not exist', withKey('groupBy', 'actor.addr'), [expect.stringMatching(/^groupBy: /)]],
    ['a misspelt operator', withKey('match', '{ type: custom, request.path: { prefx: /gift } }'), ['match.request.path: Unrecognized key: "prefx"']],
    ['an empty condition', withKey('match', '{ type: custom, request.path: {} }'), [expect.stringMatching(/^match\.request\.path: /)]],
    ['an action that does not exist', base.replace('action: ban', 'action: block'), ['response.action: Invalid option: expected one of "ban"|"redirect"']],
    ['a name in capitals', withKey('name', 'GiftCards'), [expect.stringMatching(/^name: /)]],
  ])('underlines %s, which the loader refuses too', (_what, text, issues) => {
    expect(loaderTakes(text)).toMatchObject({ ok: false });
    expect(editorIssues(text)).toEqual(issues);
  });
});
