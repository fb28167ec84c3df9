/**
 * Files shipped beside the code (package.json, rules/pack.json), found by walking up from this file.
 * The code runs from the sources (src/…) in a checkout and from the build (dist/src/…) in the image,
 * one directory deeper, so a fixed relative path is right in one of them only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The path of `name` (e.g. 'rules/pack.json') in the nearest directory above this file that has it. */
export function findUpwards(name: string, from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Riposte's version, from its package.json; 'unknown' if none is found. */
export function packageVersion(): string {
  const file = findUpwards('package.json');
  return file === undefined ? 'unknown' : (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
