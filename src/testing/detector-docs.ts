/**
 * The part of a detector's doc page (`detectors/<name>.md`) that the code already knows: the table of
 * its parameters, their defaults and what each means, written from the zod schema so that a default
 * is never copied by hand. `detectors/docs.test.ts` fails when a page's table differs from this;
 * `npm run docs:detectors` rewrites the tables.
 */
import { z } from 'zod';
import type { DetectorDefinition } from '../core/detector';

/** The headings every page has, in this order (after the title and the description). */
export const PAGE_SECTIONS = ['What it catches', 'Parameters', 'False positives and tuning'] as const;

/** Marks a section `npm run docs:detectors` started and nobody has written yet. */
export const UNWRITTEN = '<!-- write:';

const TABLE_HEADER = '| parameter | default | allowed | meaning |\n|---|---|---|---|';

/** `900` → `15 min`: how long a number of seconds is, to read beside the number. */
function readableSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function formatDefault(name: string, value: unknown): string {
  const shown = `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
  return typeof value === 'number' && name.endsWith('Seconds') && value >= 60 ? `${shown} (${readableSeconds(value)})` : shown;
}

/** What values the schema accepts, in words: `integer ≥ 2`, `non-empty text`. */
function allowedValues(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    type?: string;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    enum?: unknown[];
  };
  if (json.enum !== undefined) return json.enum.map((v) => `\`${String(v)}\``).join(', ');
  const bounds = [
    json.minimum === undefined ? '' : `≥ ${json.minimum}`,
    // zod writes the largest safe integer as the bound of any integer: no bound a reader needs.
    json.maximum === undefined || json.maximum === Number.MAX_SAFE_INTEGER ? '' : `≤ ${json.maximum}`,
  ].filter((b) => b !== '');
  if (json.type === 'integer' || json.type === 'number') return [json.type, ...bounds].join(' ');
  if (json.type === 'string') return json.minLength !== undefined && json.minLength > 0 ? 'non-empty text' : 'text';
  return json.type ?? 'any';
}

/** The names of the parameters whose schema says nothing of what they mean. */
export function undescribedParameters(detector: DetectorDefinition): string[] {
  return Object.entries(detector.params.shape as Record<string, z.ZodType>)
    .filter(([, schema]) => schema.description === undefined)
    .map(([name]) => name);
}

/** The Markdown table of `detector`'s parameters, from its schema: name, default, allowed values, meaning. */
export function parameterTable(detector: DetectorDefinition): string {
  const defaults = detector.params.parse({}) as Record<string, unknown>;
  const rows = Object.entries(detector.params.shape as Record<string, z.ZodType>).map(
    ([name, schema]) => `| \`${name}\` | ${formatDefault(name, defaults[name])} | ${allowedValues(schema)} | ${schema.description ?? ''} |`,
  );
  return [TABLE_HEADER, ...rows].join('\n');
}

const PARAMETERS = /(^## Parameters\n(?:(?!^## )[\s\S])*?)(^\|[^\n]*\|\n?)+/m;

/** The table under a page's "## Parameters" heading, or undefined when there is none. */
export function pageParameterTable(page: string): string | undefined {
  const found = PARAMETERS.exec(page);
  if (found === null) return undefined;
  return found[0].slice((found[1] ?? '').length).trimEnd();
}

/** `page` with the table under "## Parameters" replaced by `table`; undefined when it has none. */
export function withParameterTable(page: string, table: string): string | undefined {
  const found = PARAMETERS.exec(page);
  if (found === null) return undefined;
  const tail = found[0].endsWith('\n') ? '\n' : '';
  return page.slice(0, found.index) + (found[1] ?? '') + table + tail + page.slice(found.index + found[0].length);
}

/**
 * Where `page` disagrees with `detector`: its title and first paragraph, its sections, the parameter
 * table (names, defaults, allowed values, meanings), the reasons its responses give. Empty when none.
 */
export function pageProblems(detector: DetectorDefinition, page: string): string[] {
  const problems: string[] = [];
  const [title, , description] = page.split('\n');
  if (title !== `# ${detector.name}`) problems.push(`the first line is "${title ?? ''}"; it is the title "# ${detector.name}"`);
  if (description !== detector.description) {
    problems.push(`the first paragraph is "${description ?? ''}"; it is the detector's description, "${detector.description}"`);
  }
  const headings = [...page.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  const missing = PAGE_SECTIONS.filter((section) => !headings.includes(section));
  if (missing.length > 0) problems.push(`no section ${missing.map((s) => `"## ${s}"`).join(', ')}`);
  else if (PAGE_SECTIONS.some((section, i) => i > 0 && headings.indexOf(section) < headings.indexOf(PAGE_SECTIONS[i - 1] as string))) {
    problems.push(`the sections are in the order ${PAGE_SECTIONS.join(', ')}`);
  }
  if (page.includes(UNWRITTEN)) problems.push(`a section is still to write (${UNWRITTEN} …)`);

  const undescribed = undescribedParameters(detector);
  if (undescribed.length > 0) problems.push(`parameters without .describe() in the schema: ${undescribed.join(', ')}`);
  const written = pageParameterTable(page);
  const expected = parameterTable(detector);
  if (written === undefined) problems.push('no table under "## Parameters"');
  else if (written !== expected) {
    const wrong = written.split('\n').filter((line) => !expected.split('\n').includes(line));
    const absent = expected.split('\n').filter((line) => !written.split('\n').includes(line));
    problems.push(
      `the parameter table differs from the schema (run npm run docs:detectors): ${[...wrong.map((l) => `written ${l}`), ...absent.map((l) => `expected ${l}`)].join('; ')}`,
    );
  }

  const plan = detector.plan(detector.params.parse({}));
  for (const signal of plan.signals) {
    if (!page.includes(`\`${signal.reason}\``)) problems.push(`the reason \`${signal.reason}\` is not quoted; say what the response will read`);
  }
  return problems;
}
