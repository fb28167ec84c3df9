/**
 * A checkout never serves a stale console: the build served is the one of the sources' hash, made
 * when it is missing — once, however many processes start at once — and the image layout (a build,
 * no sources) serves its newest build. Real Vite builds, in a copy of the console's sources.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/repo-root';
import { imageLayout } from '../../../test/helpers/console-build';
import { RecordingLogger } from '../../../test/helpers/recording-logger';
import { ConsoleBundle, SHARED_SOURCES, sourceHash } from './bundle';

/** The files under src/ that the console's sources import (type-only imports included), from the repository's root. */
function serverImports(): string[] {
  const sources = join(REPO_ROOT, 'console', 'src');
  const found = new Set<string>();
  for (const name of readdirSync(sources, { recursive: true, encoding: 'utf8' })) {
    if (!/\.tsx?$/.test(name)) continue;
    const file = join(sources, name);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'([^']+)'/g)) {
      const target = relative(REPO_ROOT, resolve(dirname(file), specifier as string));
      if (target.startsWith('src/')) found.add(`${target}.ts`);
    }
  }
  return [...found].sort();
}

const checkout = mkdtempSync(join(tmpdir(), 'riposte-console-checkout-'));
beforeAll(() => {
  cpSync(join(REPO_ROOT, 'console'), join(checkout, 'console'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package-lock.json'), join(checkout, 'package-lock.json'));
  for (const file of new Set([...SHARED_SOURCES, ...serverImports()])) cpSync(join(REPO_ROOT, file), join(checkout, file), { recursive: true });
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(checkout, 'node_modules'), 'dir');
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

const builds = (logger: RecordingLogger) => logger.entries.filter((e) => e.msg === 'console built').length;
const page = async (bundle: ConsoleBundle) => (await bundle.files()).get('index.html')?.body.toString() ?? '';

describe('the console bundle', () => {
  test('is built once for several processes starting at once, then reused', async () => {
    const loggers = [new RecordingLogger(), new RecordingLogger(), new RecordingLogger()];
    const pages = await Promise.all(loggers.map((logger) => page(new ConsoleBundle(checkout, { logger }))));
    expect(pages.every((p) => p.includes('<title>Riposte console</title>') && /assets\/index-[\w-]+\.js/.test(p))).toBe(true);
    expect(loggers.map(builds).reduce((a, b) => a + b)).toBe(1);
    const later = new RecordingLogger();
    await page(new ConsoleBundle(checkout, { logger: later }));
    expect(builds(later)).toBe(0);
  }, 120_000);

  test('a changed source is a new hash and a new build, served at the next start', async () => {
    const before = await sourceHash(checkout);
    const index = join(checkout, 'console', 'index.html');
    writeFileSync(index, readFileSync(index, 'utf8').replace('<title>Riposte console</title>', '<title>Riposte console, changed</title>'));
    expect(await sourceHash(checkout)).not.toBe(before);
    const logger = new RecordingLogger();
    expect(await page(new ConsoleBundle(checkout, { logger }))).toContain('<title>Riposte console, changed</title>');
    expect(builds(logger)).toBe(1);
  }, 120_000);

  test('every server file the console imports is hashed with its sources (SHARED_SOURCES)', () => {
    expect(serverImports()).toEqual(expect.arrayContaining(['src/core/untrusted-text.ts', 'src/api/console/wire.ts']));
    expect(SHARED_SOURCES).toEqual(expect.arrayContaining(serverImports()));
  });

  test.each(serverImports())('server code the console imports is part of its sources: changing %s is a new hash', async (file) => {
    const before = await sourceHash(checkout);
    const shared = join(checkout, file);
    const text = readFileSync(shared, 'utf8');
    writeFileSync(shared, `${text}\n`);
    try {
      expect(await sourceHash(checkout)).not.toBe(before);
    } finally {
      writeFileSync(shared, text);
    }
  });

  test.each([
    ['a build and no sources (the image) serves the build', { built: true }, 'Riposte console'],
    ['no build and no sources says how to make one', { built: false }, /npm run build:console/],
  ])('%s', async (_name, options, expected) => {
    const root = imageLayout(options);
    try {
      const bundle = new ConsoleBundle(root);
      expect(bundle.fromSources).toBe(false);
      if (typeof expected === 'string') expect(await page(bundle)).toContain(expected);
      else await expect(bundle.files()).rejects.toThrow(expected);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
