/**
 * A problem found in a playbook, at a place in its file. All problems of a file are collected, so one
 * `riposte playbooks check` run shows everything to fix.
 */
import { ConfigError } from '../core/config-errors';

export interface PlaybookProblem {
  /** The file, or `registry:<app>/<name>` for a playbook stored in the application registry. */
  origin: string;
  line: number;
  col: number;
  /** The key path in the playbook, e.g. `response.action`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: PlaybookProblem): string {
  return `${p.origin}:${p.line}:${p.col}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** A playbook that cannot run; its message lists every problem, one per line, as `file:line:col: ...`. */
export class PlaybookError extends ConfigError {
  constructor(readonly problems: readonly PlaybookProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `['response', 'target', 'field']` → `response.target.field`; list indexes as `[1]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return text;
}
