/**
 * The `riposte` command line. Each command lives in its own file and is registered here; this file
 * only composes them and turns failures into a message and an exit status.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/app-config';
import { EnvError } from '../config/env';
import { packageVersion } from '../core/package-files';
import type { CliContext, CliIo } from './context';
import { appsCommand } from './apps';
import { initCommand } from './init';
import { kclCommand } from './kcl';
import { playbooksCommand } from './playbooks';
import { replayCommand } from './replay';
import { serveCommand, startCommand } from './start';

const processIo: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

export function buildProgram(cli: CliContext): Command {
  const program = new Command('riposte')
    .description(
      'Riposte detects large-scale attacks across all the security agents of an application ' +
        '(brute force, credential stuffing, account takeover, floods, scanners) and answers them ' +
        'with ban and redirect responses that the agents enforce.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
    })
    .exitOverride();
  program.addCommand(startCommand(cli));
  program.addCommand(serveCommand(cli));
  program.addCommand(replayCommand(cli));
  program.addCommand(playbooksCommand(cli));
  program.addCommand(appsCommand(cli));
  program.addCommand(kclCommand(cli));
  program.addCommand(initCommand(cli));
  // Nested commands (`apps add`) were created before this point, so they do not inherit these settings.
  const inherit = (parent: Command): void => {
    for (const command of parent.commands) {
      command.exitOverride().configureOutput(program.configureOutput());
      inherit(command);
    }
  };
  inherit(program);
  return program;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const cli: CliContext = { io, exitCode: 0 };
  const program = buildProgram(cli);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // help, version, usage errors: already printed
    if (error instanceof ConfigError || error instanceof EnvError) {
      io.stderr.write(`riposte: ${error.message}\n`);
      return 2;
    }
    if (isMissingFile(error)) {
      io.stderr.write(`riposte: ${error.path} does not exist\n`);
      return 2;
    }
    io.stderr.write(`riposte: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

function isMissingFile(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' && typeof (error as { path?: unknown }).path === 'string';
}
