/**
 * What `riposte playbooks check` says of one playbook, as data: valid (with what it fires on and its
 * flags) or its problems at their line and column. The command line prints it; the console shows it.
 */
import type { DetectorDefinition } from '../core/detector';
import { parsePlaybook } from './parse';
import type { PlaybookProblem } from './problems';
import type { PlaybookEntry } from './provider';

export type PlaybookCheck = { ok: true; summary: string } | { ok: false; problems: PlaybookProblem[] };

export function checkPlaybook(entry: PlaybookEntry, builtIn: readonly DetectorDefinition[]): PlaybookCheck {
  const result = parsePlaybook(entry.yaml, entry.origin, { expectedName: entry.name });
  if (!result.ok) return { ok: false, problems: result.problems };
  if (builtIn.some((d) => d.name === entry.name)) {
    return {
      ok: false,
      problems: [{ origin: entry.origin, line: 1, col: 1, path: 'name', message: `"${entry.name}" is the name of a built-in detector; a playbook needs its own` }],
    };
  }
  const { definition } = result.playbook;
  const flags = [definition.enabled ? '' : 'disabled', definition.simulate ? 'simulated' : ''].filter((f) => f !== '');
  return { ok: true, summary: `${definition.condition.kind}${flags.length > 0 ? `, ${flags.join(', ')}` : ''}` };
}
