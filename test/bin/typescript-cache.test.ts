/**
 * bin/typescript-cache.js: how a checkout runs its TypeScript. A file is transpiled once and then
 * loaded from the cache; an edited file runs as edited, even when its size and modification time are
 * the same as before (the cache is keyed by content, not by the clock).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/repo-root';

const root = mkdtempSync(join(tmpdir(), 'riposte-ts-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const loader = join(REPO_ROOT, 'bin', 'typescript-cache.js');
const source = join(root, 'answer.ts');
const cacheDir = join(root, 'node_modules', '.cache', 'riposte');

/** Runs `answer.ts` in a fresh process, as bin/riposte.js runs the CLI. */
function run(): string {
  const script = `require(${JSON.stringify(loader)}).register(${JSON.stringify(root)}); process.stdout.write(String(require(${JSON.stringify(source)}).answer));`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
}

describe('the TypeScript cache of a checkout', () => {
  test.each([
    ['a new file is transpiled and runs', 'const a: number = 41;\nexport const answer = a + 1;\n', '42'],
    ['an edited file runs as edited', 'const a: number = 42;\nexport const answer = a + 1;\n', '43'],
  ])('%s', (_name, text, expected) => {
    writeFileSync(source, text);
    expect(run()).toBe(expected);
  });

  test('an edit that keeps the size and the modification time still runs as edited', () => {
    writeFileSync(source, 'export const answer: string = "old";\n');
    expect(run()).toBe('old');
    const before = statSync(source);
    writeFileSync(source, 'export const answer: string = "new";\n');
    utimesSync(source, before.atime, before.mtime);
    expect(statSync(source).size).toBe(before.size);
    expect(run()).toBe('new');
  });

  test('a file run again is read from the cache, not transpiled again', () => {
    writeFileSync(source, 'export const answer = "cached";\n');
    run();
    const files = readdirSync(cacheDir).length;
    expect(run()).toBe('cached');
    expect(readdirSync(cacheDir)).toHaveLength(files);
  });
});
