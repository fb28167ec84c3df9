/**
 * Each command loads only what it uses: `riposte --help` none of the heavy dependencies, `riposte
 * replay` the engine but no server, no AWS SDK, no embedded Kinesis. Checked on the real program, a
 * child process that lists the packages it loaded when it exits.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/repo-root';

const dir = mkdtempSync(join(tmpdir(), 'riposte-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const empty = join(dir, 'empty.jsonl');
writeFileSync(empty, '');
const lister = join(dir, 'list-packages.js');
writeFileSync(
  lister,
  `process.on('exit', () => {
    const packages = new Set(Object.keys(require.cache).map((f) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
    process.stderr.write('LOADED ' + JSON.stringify([...packages]) + '\\n');
  });`,
);

function packagesLoadedBy(args: readonly string[]): string[] {
  const run = spawnSync(process.execPath, ['-r', lister, join(REPO_ROOT, 'bin', 'riposte.js'), ...args], { encoding: 'utf8' });
  const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (line === undefined) throw new Error(`no package list; stderr:\n${run.stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

const HEAVY = ['fastify', '@aws-sdk/client-kinesis', '@aws-sdk/client-dynamodb', 'kinesalite', 'dynalite', 'ioredis', 'prom-client', 'pino'];

describe('what a command loads', () => {
  test.each<[string, string[], string[], string[]]>([
    ['riposte --help loads commander and nothing heavy', ['--help'], ['commander'], [...HEAVY, 'zod', 'yaml']],
    ['riposte replay loads the detectors (zod) and no server, AWS SDK, embedded service or retry machinery (rxjs)', ['replay', empty], ['commander', 'zod'], [...HEAVY, 'yaml', 'rxjs', '@smithy/core']],
    ['riposte start --help loads the environment schema only', ['start', '--help'], ['zod'], HEAVY],
    ['riposte init --help loads no AWS SDK', ['init', '--help'], ['zod'], HEAVY],
    ['riposte kcl --help loads no AWS SDK', ['kcl', '--help'], ['zod'], HEAVY],
  ])('%s', (_name, args, loaded, notLoaded) => {
    const packages = packagesLoadedBy(args);
    for (const p of loaded) expect(packages).toContain(p);
    for (const p of notLoaded) expect(packages).not.toContain(p);
  });
});
