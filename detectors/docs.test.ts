import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { defineDetector, type DetectorDefinition } from '../src/core/detector';
import { pageProblems, parameterTable, withParameterTable } from '../src/testing/detector-docs';
import { builtInDetectors } from './index';
import loginBruteForce from './login-brute-force';

// Each built-in detector has a page beside it, `<name>.md`, in the manner of ESLint's rule docs; its
// parameter table is written from the schema (`npm run docs:detectors`), so a default is never
// copied by hand, and this test fails when the page, the detector and the registry disagree.
const pages = readdirSync(__dirname).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, ''));
const page = (name: string) => readFileSync(join(__dirname, `${name}.md`), 'utf8');
const names = builtInDetectors.map((d) => d.name);

describe('the detector docs', () => {
  it('have a page for every registered detector and a detector for every page', () => {
    expect({ withoutPage: names.filter((n) => !pages.includes(n)), withoutDetector: pages.filter((p) => !names.includes(p)) }).toEqual({
      withoutPage: [],
      withoutDetector: [],
    });
  });

  it.each(builtInDetectors.map((d) => [d.name, d]))('%s: the page agrees with the code', (name, detector) => {
    expect(pageProblems(detector, page(name))).toEqual([]);
  });

  it("list every built-in detector in the README's table, linked to its page, with its description", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The built-in detectors'), readme.indexOf('### What makes it correct'));
    const listed = [...section.matchAll(/^\| \[`([a-z-]+)`\]\(detectors\/([a-z-]+)\.md\) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(listed).toEqual(builtInDetectors.map((d) => [d.name, d.name, d.description]));
  });
});

describe('the page check', () => {
  const detector = loginBruteForce as DetectorDefinition;
  const good = page('login-brute-force');
  const tableProblem = (text: string) => pageProblems(detector, text).filter((p) => p.startsWith('the parameter table differs'));

  it('refuses a wrong default', () => {
    const text = good.replace('| `threshold` | `10` |', '| `threshold` | `12` |');
    expect(text).not.toBe(good);
    expect(tableProblem(text)).toEqual([
      'the parameter table differs from the schema (run npm run docs:detectors): written | `threshold` | `12` | integer ≥ 2 | failed logins from one IP that trigger the ban |; expected | `threshold` | `10` | integer ≥ 2 | failed logins from one IP that trigger the ban |',
    ]);
  });

  it('refuses a missing parameter and one the schema does not have', () => {
    const table = parameterTable(detector).replace(/^\| `windowSeconds`.*$/m, '| `window` | `60` | integer ≥ 1 | the window |');
    expect(tableProblem(withParameterTable(good, table) as string)).toEqual([
      'the parameter table differs from the schema (run npm run docs:detectors): written | `window` | `60` | integer ≥ 1 | the window |; expected | `windowSeconds` | `60` (1 min) | integer ≥ 1 | the sliding window they must fall within |',
    ]);
  });

  it('follows a default changed in the code', () => {
    const changed = defineDetector({ ...loginBruteForce, params: loginBruteForce.params.extend({ threshold: z.int().min(2).default(12).describe('failed logins from one IP that trigger the ban') }) });
    expect(tableProblem(good).length).toBe(0);
    expect(pageProblems(changed as DetectorDefinition, good)).toEqual([expect.stringContaining('expected | `threshold` | `12` |')]);
  });

  it('refuses an undescribed parameter, a missing section, a stale description and an unquoted reason', () => {
    const bare = defineDetector({ ...loginBruteForce, description: 'Bans an address.', params: loginBruteForce.params.extend({ threshold: z.int().min(2).default(10) }) });
    const text = good.replace('## False positives and tuning', '## Tuning').replace('`{count} login failures in {windowSeconds} s`', '');
    expect(pageProblems(bare as DetectorDefinition, text)).toEqual([
      'the first paragraph is "Bans an IP address that fails to log in many times in a short while."; it is the detector\'s description, "Bans an address."',
      'no section "## False positives and tuning"',
      'parameters without .describe() in the schema: threshold',
      expect.stringContaining('the parameter table differs from the schema'),
      'the reason `{count} login failures in {windowSeconds} s` is not quoted; say what the response will read',
    ]);
  });
});
