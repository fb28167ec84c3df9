/**
 * `riposte start` (what `npm start` runs): the whole system in one process. `riposte serve`: the
 * APIs and the digester only, beside KCL workers. Both stop gracefully on SIGTERM or SIGINT: no new
 * requests, the batch in flight finished, written and checkpointed, then exit 0.
 */
import { Command, Option } from 'commander';
import { environmentHelp, loadEnv } from '../config/env';
import type { Logger } from '../core/ports';
import type { RunningRiposte } from '../main/start';
import { messageOf } from '../observability/failures';
import { wholeNumber, type CliContext } from './context';

async function runUntilSignalled(cli: CliContext, role: 'all' | 'api', options: { shards: number; driver?: 'local' | 'kcl'; host?: string }): Promise<void> {
  // The whole system is loaded only to run it, not for `riposte start --help`.
  const [{ startRiposte }, { createLogger }] = await Promise.all([import('../main/start'), import('../observability/logger')]);
  const env = loadEnv(process.env);
  const rawEnv = { ...process.env };
  const logger = createLogger({ level: env.LOG_LEVEL });
  const running = await startRiposte({ env, rawEnv, logger, out: cli.io.stdout, role, shards: options.shards, driver: options.driver, host: options.host });
  cli.exitCode = await untilSignalledOrFailed(running, logger, cli.io.stderr);
  logger.info('stopped');
}

/**
 * Runs until SIGTERM or SIGINT (0 once stopped in order, 1 if stopping failed), or until a part the
 * process cannot go on without dies (the local driver, the digester, an embedded emulator's thread):
 * then it says which, stops the rest and answers 1, so that whoever supervises it (a container
 * runtime, systemd) restarts it — which a process that only looks alive would never get.
 */
export async function untilSignalledOrFailed(
  running: Pick<RunningRiposte, 'stop' | 'failed'>,
  logger: Logger,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let signals = 0;
    let stopping = false;
    const stop = (code: number) => {
      stopping = true;
      running.stop().then(
        () => finish(code),
        (error: unknown) => {
          logger.error({ err: error }, 'stopping failed');
          finish(1);
        },
      );
    };
    const finish = (code: number) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(code);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now, without waiting for the batch in flight (it will be read again)');
        process.exit(130);
      }
      if (stopping) return;
      logger.info({ signal }, 'stopping: finishing the batch in flight, writing and checkpointing');
      stop(0);
    };
    // Not `once`: a second signal, even of the same kind (Ctrl-C twice), must reach the branch
    // above rather than Node's default handler.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    void running.failed.then((failure) => {
      if (stopping) return;
      stderr.write(`riposte: the ${failure.part} failed: ${messageOf(failure.error)}; stopping${nextStepAfterFailureOf(failure.part)}
`);
      logger.error({ part: failure.part, err: failure.error }, 'a part of Riposte failed; stopping');
      stop(1);
    });
  });
}

/**
 * Where to look after a part failed, for the one line `riposte start` leaves on its way out (the
 * log has the details). Keyed by the names src/main/start.ts reports parts under; a part without a
 * hint gets none rather than a wrong one.
 */
export function nextStepAfterFailureOf(part: string): string {
  if (part === 'local driver') return '. Check that the stream exists, and the IAM permissions or AWS endpoints (AWS_ENDPOINT_URL_*) it is read with';
  if (part === 'digester') return '. Its responses stay in the retry queue (RIPOSTE_RETRY_QUEUE_URL, else REDIS_URL) and are written once it runs again';
  if (part === 'KCL MultilangDaemon') return '. Its log lines above say why (java on the PATH, the jars in .kcl/jars: npm run kcl:jars)';
  if (part.startsWith('embedded ')) return ". Check the emulator's data folder under RIPOSTE_DATA_DIR (free space, permissions)";
  return '';
}

const hostOption = (fallback: string) => new Option('--host <address>', `address the APIs listen on (default: HOST, else ${fallback})`);

const shardsOption = () => new Option('--shards <count>', 'shards of the stream created on embedded Kinesis').default(2).argParser(wholeNumber('--shards', 1));

export function startCommand(cli: CliContext): Command {
  return new Command('start')
    .description('Run all of Riposte in one process: the Kinesis reader and detectors, the ingest, agent and admin APIs, and /metrics.')
    .addOption(shardsOption())
    .addOption(hostOption('127.0.0.1: this machine only; --host 0.0.0.0 opens it to the network'))
    .addOption(new Option('--driver <driver>', 'who reads the stream: local (this process) or kcl (the real KCL MultilangDaemon; needs Java)').choices(['local', 'kcl']).default('local'))
    .addHelpText(
      'after',
      `
With --driver kcl the KCL MultilangDaemon (Java) reads the stream instead, starting one riposte kcl
per shard lease as in production; embedded Kinesis is then kinesis-local, which the KCL accepts
(kinesalite does not), and the daemon's jars are fetched with Maven on the first run (.kcl/jars).

With no AWS endpoint configured, Kinesis and DynamoDB run embedded in this process, each in a
thread of its own (if one stops, the process stops and exits 1), their data in RIPOSTE_DATA_DIR, so
a restart keeps streams, tables, checkpoints and responses. On the very first start an application
"demo" is created and its agent token printed with a curl line to try.

${environmentHelp()}`,
    )
    .action(async (opts: { shards: number; driver: 'local' | 'kcl'; host?: string }) => {
      await runUntilSignalled(cli, 'all', opts);
    });
}

export function serveCommand(cli: CliContext): Command {
  return new Command('serve')
    .description('Run the ingest, agent and admin APIs, /metrics and the retry-queue digester, for a deployment where KCL workers run detection.')
    .addOption(hostOption('0.0.0.0: every interface'))
    .addHelpText('after', `\nRIPOSTE_METRICS_PORT puts /metrics on a port of its own, off the APIs' port.\n\n${environmentHelp()}`)
    .action(async (opts: { host?: string }) => {
      await runUntilSignalled(cli, 'api', { shards: 1, ...opts });
    });
}
