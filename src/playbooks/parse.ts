/**
 * Playbook text → a playbook ready to run, or every problem in it with its line and column:
 * YAML syntax, then the shape (spec.ts), then the meaning (validate.ts), then the compiled plan's own
 * check. Nothing is half-loaded: a playbook with any problem does not run.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { DetectorPlan, ResolvedDetector } from '../core/detector';
import { planProblems } from '../engine/plan-check';
import type { PlaybookDefinition } from './definition';
import { fromZodIssue, type Issue } from './issues';
import { YamlLocator } from './locate';
import { formatPath, type PlaybookProblem } from './problems';
import { expandShortForms, PlaybookSchema } from './spec';
import { resolvePlaybook, toPlan } from './to-plan';
import { matchIssues, validatePlaybook } from './validate';

export const MAX_PLAYBOOK_BYTES = 64 * 1024;

export interface Playbook {
  definition: PlaybookDefinition;
  plan: DetectorPlan;
  /** What the engine runs. */
  detector: ResolvedDetector;
  origin: string;
}

export type ParseResult = { ok: true; playbook: Playbook } | { ok: false; problems: PlaybookProblem[] };

export interface ParseOptions {
  /** The name the playbook is stored under (its file's base name, its registry entry): `name` must agree. */
  expectedName?: string;
}

export function parsePlaybook(text: string, origin: string, options: ParseOptions = {}): ParseResult {
  const fail = (problems: PlaybookProblem[]): ParseResult => ({ ok: false, problems });
  const whole = (message: string): PlaybookProblem => ({ origin, line: 1, col: 1, path: '', message });
  if (Buffer.byteLength(text) > MAX_PLAYBOOK_BYTES) return fail([whole(`${Buffer.byteLength(text)} bytes; a playbook has at most ${MAX_PLAYBOOK_BYTES}`)]);

  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locator = new YamlLocator(document, lines);
  const syntax = [...document.errors, ...document.warnings];
  if (syntax.length > 0) {
    return fail(syntax.map((e) => ({ origin, ...locator.offset(e.pos[0]), path: '', message: e.message.split('\n')[0] as string })));
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return fail([whole((error as Error).message)]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail([whole(`a playbook is a mapping of keys (name, description, match, groupBy, window, threshold, response…), not ${value === null ? 'an empty file' : typeof value}`)]);
  }

  const place = (issue: Issue): PlaybookProblem => ({ origin, ...locator.position(issue.path, issue.key), path: formatPath(issue.path), message: issue.message });
  const record = value as Record<string, unknown>;
  const issues: Issue[] = [
    ...matchIssues(record.match, ['match']),
    ...(Array.isArray(record.sequence) ? record.sequence.flatMap((step: unknown, i) => matchIssues((step as { match?: unknown } | null)?.match, ['sequence', i, 'match'])) : []),
  ];
  const parsed = PlaybookSchema.safeParse(expandShortForms(value), { reportInput: true });
  if (!parsed.success) return fail(sortProblems([...issues, ...parsed.error.issues.flatMap(fromZodIssue)].map(place)));
  const definition = validatePlaybook(parsed.data, options.expectedName);
  if (Array.isArray(definition) || issues.length > 0) return fail(sortProblems([...issues, ...(Array.isArray(definition) ? definition : [])].map(place)));

  const plan = toPlan(definition);
  // The engine's own check: a playbook that passed everything above should never fail it.
  const planned = planProblems(plan);
  if (planned.length > 0) return fail(planned.map((p) => whole(`cannot run: ${p}`)));
  return { ok: true, playbook: { definition, plan, detector: resolvePlaybook(definition, plan), origin } };
}

function sortProblems(problems: PlaybookProblem[]): PlaybookProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}
