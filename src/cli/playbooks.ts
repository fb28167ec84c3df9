/**
 * `riposte playbooks check FILE|DIR...` validates playbooks and prints each problem as
 * `file:line:col: key: what is wrong` (exit status 1 when there is any); `riposte playbooks test [DIR]`
 * runs a folder of playbooks against their fixtures, as the PlaybookTester does under jest.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import { builtInDetectors } from '../../detectors';
import { PlaybookDirectory } from '../playbooks/directory';
import { checkPlaybook } from '../playbooks/check';
import { formatProblem } from '../playbooks/problems';
import type { PlaybookEntry } from '../playbooks/provider';
import { PlaybookFixtures } from '../testing/playbook-fixtures';
import { escapedText, safeJsonText } from '../core/untrusted-text';
import type { CliContext } from './context';

async function entriesOf(path: string): Promise<PlaybookEntry[]> {
  if ((await stat(path)).isDirectory()) {
    const directory = new PlaybookDirectory(path);
    await directory.refresh();
    return [...directory.entries()];
  }
  return [{ name: basename(path, extname(path)), yaml: await readFile(path, 'utf8'), origin: path }];
}

async function check(paths: readonly string[], cli: CliContext): Promise<void> {
  const { stdout, stderr } = cli.io;
  let invalid = 0;
  let count = 0;
  for (const path of paths) {
    for (const entry of await entriesOf(path)) {
      count++;
      const result = checkPlaybook(entry, builtInDetectors);
      if (result.ok) {
        stdout.write(`${entry.origin}: ok (${result.summary})\n`);
      } else {
        invalid++;
        for (const problem of result.problems) stderr.write(`${formatProblem(problem)}\n`);
      }
    }
  }
  stderr.write(`${count} playbook${count === 1 ? '' : 's'} checked, ${invalid} invalid\n`);
  if (invalid > 0 || count === 0) cli.exitCode = 1;
}

async function test(dir: string, cli: CliContext): Promise<void> {
  const { stdout } = cli.io;
  const tester = new PlaybookFixtures(dir);
  const { playbooks, results, orphans } = await tester.runAll();
  let failed = 0;
  for (const p of playbooks) {
    for (const problem of p.problems) {
      failed++;
      stdout.write(`✗ ${p.name}: ${problem}\n`);
    }
    for (const r of results.filter((result) => result.playbook === p.name)) {
      if (r.passed) {
        stdout.write(`✓ ${r.playbook} › ${r.case}\n`);
        continue;
      }
      failed++;
      stdout.write(`✗ ${r.playbook} › ${escapedText(r.case)}\n    expected ${safeJsonText(JSON.stringify(r.expected))}\n    got      ${safeJsonText(JSON.stringify(r.actual))}\n`);
    }
  }
  for (const orphan of orphans) {
    failed++;
    stdout.write(`✗ fixtures/${orphan}: no playbook of that name\n`);
  }
  const passed = results.filter((r) => r.passed).length;
  stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) cli.exitCode = 1;
}

export function playbooksCommand(cli: CliContext): Command {
  const command = new Command('playbooks').description('Validate and test playbooks: detection rules written in YAML, without code.');
  command
    .command('check')
    .description('Validate playbook files (or every playbook of a directory); print each problem as file:line:col.')
    .argument('<paths...>', 'playbook files (.yaml) or directories of them')
    .addHelpText('after', '\nExamples:\n  riposte playbooks check playbooks/gift-card-enumeration.yaml\n  riposte playbooks check playbooks/')
    .action((paths: string[]) => check(paths, cli));
  command
    .command('test')
    .description('Run a directory of playbooks against their fixtures (fixtures/<playbook>/<case>/{events.jsonl,responses.yaml}).')
    .argument('[dir]', 'the directory of playbooks', 'playbooks')
    .action((dir: string) => test(dir, cli));
  return command;
}
