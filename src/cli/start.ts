/**
 * `riposte start` (what `npm start` runs): the whole system in one process. `riposte serve`: the
 * APIs and the digester only, beside KCL workers. Both stop gracefully on SIGTERM or SIGINT: no new
 * requests, the batch in flight finished, written and checkpointed, then exit 0.
 */
import { Command, Option } from 'commander';
import { environmentHelp, loadEnv } from '../config/env';
import { startRiposte } from '../main';
import { createLogger } from '../observability/logger';
import { wholeNumber, type CliContext } from './context';

async function runUntilSignalled(cli: CliContext, role: 'all' | 'api', options: { shards: number }): Promise<void> {
  const env = loadEnv(process.env);
  const rawEnv = { ...process.env };
  const logger = createLogger({ level: env.LOG_LEVEL });
  const running = await startRiposte({ env, rawEnv, logger, out: cli.io.stdout, role, shards: options.shards });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const stopped = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now, without waiting for the batch in flight (it will be read again)');
        process.exit(130);
      }
      logger.info({ signal }, 'stopping: finishing the batch in flight, writing and checkpointing');
      running.stop().then(stopped, (error: unknown) => {
        logger.error({ err: error }, 'stopping failed');
        cli.exitCode = 1;
        stopped();
      });
    };
    // Not `once`: a second signal, even of the same kind (Ctrl-C twice), must reach the branch
    // above rather than Node's default handler.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info('stopped');
}

const shardsOption = () => new Option('--shards <count>', 'shards of the stream created on embedded Kinesis').default(2).argParser(wholeNumber('--shards', 1));

export function startCommand(cli: CliContext): Command {
  return new Command('start')
    .description('Run all of Riposte in one process: the Kinesis reader and detectors, the ingest, agent and admin APIs, and /metrics.')
    .addOption(shardsOption())
    .addHelpText(
      'after',
      `
With no AWS endpoint configured, Kinesis and DynamoDB run embedded in this process, their data in
RIPOSTE_DATA_DIR, so a restart keeps streams, tables, checkpoints and responses. On the very first
start an application "demo" is created and its agent token printed with a curl line to try.

${environmentHelp()}`,
    )
    .action(async (opts: { shards: number }) => {
      await runUntilSignalled(cli, 'all', opts);
    });
}

export function serveCommand(cli: CliContext): Command {
  return new Command('serve')
    .description('Run the ingest, agent and admin APIs, /metrics and the retry-queue digester, for a deployment where KCL workers run detection.')
    .addOption(shardsOption())
    .addHelpText('after', `\n${environmentHelp()}`)
    .action(async (opts: { shards: number }) => {
      await runUntilSignalled(cli, 'api', opts);
    });
}
