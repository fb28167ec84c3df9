/**
 * The `riposte` command line. Each command lives in its own file and is registered here; this file
 * only composes them and turns failures into a message and an exit status.
 *
 * A command's module, and everything it imports (zod, fastify, the AWS SDK, the embedded Kinesis…), is
 * loaded only when that command runs: `riposte --help` loads none of them, `riposte replay` only the
 * engine. So this file imports no command statically, and nothing heavier than commander.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, EnvError, StartupError } from '../core/config-errors';
import { packageVersion } from '../core/package-files';
import type { CliContext, CliIo } from './context';
import { KclSetupError } from '../drivers/kcl-daemon/jars';

const processIo: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

interface CommandEntry {
  name: string;
  /** The line `riposte --help` shows; the command's own file has its full description. */
  summary: string;
  load(cli: CliContext): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  { name: 'start', summary: 'Run all of Riposte in one process (what npm start runs).', load: async (cli) => (await import('./start')).startCommand(cli) },
  { name: 'serve', summary: 'Run the APIs, /metrics and the digester, beside KCL workers.', load: async (cli) => (await import('./start')).serveCommand(cli) },
  { name: 'replay', summary: 'Run a JSON-lines file of events through the detectors offline.', load: async (cli) => (await import('./replay')).replayCommand(cli) },
  { name: 'playbooks', summary: 'Check playbooks, and run them against their fixtures.', load: async (cli) => (await import('./playbooks')).playbooksCommand(cli) },
  { name: 'apps', summary: 'Manage applications, their agent tokens, settings and playbooks.', load: async (cli) => (await import('./apps')).appsCommand(cli) },
  { name: 'kcl', summary: "Run as the KCL MultilangDaemon's record processor for one shard.", load: async (cli) => (await import('./kcl')).kclCommand(cli) },
  { name: 'daemon', summary: 'Run the KCL MultilangDaemon here, on the configured endpoints.', load: async (cli) => (await import('./daemon')).daemonCommand(cli) },
  { name: 'init', summary: 'Create the Kinesis stream and the DynamoDB tables if they do not exist.', load: async (cli) => (await import('./init')).initCommand(cli) },
];

/** The command `argv` runs (`riposte help replay` asks for replay's help), if it names one. */
function commandOf(argv: readonly string[]): CommandEntry | undefined {
  const name = argv[0] === 'help' ? argv[1] : argv[0];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * The program for `argv`: the command it runs, loaded with everything it needs; or, when it runs
 * none (`--help`, `--version`, a typo), every command by its name and summary only.
 */
export async function buildProgram(cli: CliContext, argv: readonly string[]): Promise<Command> {
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
  const wanted = commandOf(argv);
  if (wanted !== undefined) program.addCommand(await wanted.load(cli));
  else for (const entry of COMMANDS) program.command(entry.name).description(entry.summary);
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
  try {
    const program = await buildProgram(cli, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // help, version, usage errors: already printed
    if (error instanceof ConfigError || error instanceof EnvError || error instanceof KclSetupError) {
      io.stderr.write(`riposte: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StartupError) {
      io.stderr.write(`riposte: ${error.message}\n`);
      return 1;
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
