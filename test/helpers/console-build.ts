/**
 * A console build laid out as the image has it (dist/console/<hash>/, no sources), small enough to
 * make in a test: the server code that finds and serves it is the real one.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_SCRIPT = 'console.log("console")';

/** A package root holding one build; `built: false` gives a root with no build at all. */
export function imageLayout(options: { built?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'riposte-console-'));
  if (options.built === false) return root;
  const build = join(root, 'dist', 'console', '0123456789abcdef');
  mkdirSync(join(build, 'assets'), { recursive: true });
  writeFileSync(join(build, 'index.html'), '<!doctype html><title>Riposte console</title><script type="module" src="/console/assets/index-abc.js"></script>');
  writeFileSync(join(build, 'assets', 'index-abc.js'), FAKE_SCRIPT);
  return root;
}
