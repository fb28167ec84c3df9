/**
 * Writes a generated file of the repository (`npm run schema:playbook`, `npm run kcl:pom`) only when
 * its text changed, and says which it was on standard error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root';

/** `file` is relative to the repository. */
export function writeGenerated(file: string, text: string): void {
  const path = join(REPO_ROOT, file);
  let before = '';
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    // Not written yet.
  }
  if (before === text) process.stderr.write(`${file} is up to date\n`);
  else {
    writeFileSync(path, text);
    process.stderr.write(`${file} written\n`);
  }
}
