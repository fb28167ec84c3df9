/**
 * `npm run docs:detectors`: writes the parameter table of each built-in detector's doc page
 * (`detectors/<name>.md`) from its zod schema, and starts a page for a detector that has none.
 * The prose is people's to write; `detectors/docs.test.ts` fails until it is.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDetectors } from '../detectors';
import { PAGE_SECTIONS, parameterTable, UNWRITTEN, withParameterTable } from '../src/testing/detector-docs';
import { REPO_ROOT } from './lib/repo-root';

function newPage(name: string, description: string, table: string): string {
  const sections = PAGE_SECTIONS.map((section) => `## ${section}\n\n${section === 'Parameters' ? table : `${UNWRITTEN} ${section.toLowerCase()} -->`}\n`);
  return `# ${name}\n\n${description}\n\n${sections.join('\n')}`;
}

for (const detector of builtInDetectors) {
  const path = join(REPO_ROOT, 'detectors', `${detector.name}.md`);
  const table = parameterTable(detector);
  if (!existsSync(path)) {
    writeFileSync(path, newPage(detector.name, detector.description, table));
    process.stderr.write(`${path}: started; write its sections\n`);
    continue;
  }
  const page = readFileSync(path, 'utf8');
  const next = withParameterTable(page, table);
  if (next === undefined) {
    process.stderr.write(`${path}: no table under "## Parameters"; add the heading and a line "| parameter |" under it\n`);
    process.exitCode = 1;
  } else if (next !== page) {
    writeFileSync(path, next);
    process.stderr.write(`${path}: parameter table rewritten\n`);
  }
}
