/**
 * `riposte kcl`: the record processor the KCL MultilangDaemon starts for each shard lease
 * (`executableName` in kcl.properties). It speaks the multilang protocol on standard input and
 * output and logs JSON lines on standard error, which the daemon copies into its own log.
 */
import { Command } from 'commander';
import { loadEnv } from '../config/env';
import { claimProcessStdout } from '../drivers/kcl/stdout-guard';
import type { CliContext, CliIo } from './context';

/** How long a child that has finished may take to exit before it is made to. */
const EXIT_GRACE_MS = 1000;

async function runKclChild(io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // First of all: from here on nothing but protocol lines may reach the real standard output.
  const claimed = io.stdout === process.stdout ? claimProcessStdout() : null;
  const output = claimed?.protocol ?? io.stdout;
  // Loaded once standard output is claimed, and not for `riposte kcl --help`.
  const [{ openResponseChanges }, { KclProtocol }, { KclRecordProcessor }, { openDetection }, { createLogger }, { createDynamoClient, requireAwsRegion }] = await Promise.all([
    import('../cache/open'),
    import('../drivers/kcl/protocol'),
    import('../drivers/kcl/record-processor'),
    import('../main/detection'),
    import('../observability/logger'),
    import('../aws/clients'),
  ]);
  const settings = loadEnv(env);
  const dynamo = createDynamoClient();
  try {
    await requireAwsRegion('riposte kcl', dynamo);
  } finally {
    dynamo.destroy();
  }
  const logger = createLogger({ level: settings.LOG_LEVEL, name: 'riposte-kcl', pretty: false });
  // With Redis, every response this child writes reaches the agents' caches and long-polls of the
  // API processes (riposte serve) at once. It only publishes: nothing here waits on a change.
  const changes = settings.REDIS_URL === undefined ? undefined : await openResponseChanges(settings.REDIS_URL, { logger, subscribe: false });
  const runtime = await openDetection(settings, logger, { notifier: changes?.notifier });
  const protocol = new KclProtocol(io.stdin, output, logger);
  const processor = new KclRecordProcessor(runtime.deps, { signal: protocol.signal });
  let code = 0;
  try {
    await protocol.run(processor);
  } catch (error) {
    logger.fatal({ err: error, shardId: processor.shard?.shardId }, 'record processor failed; exiting so that the shard is replayed from its checkpoint');
    code = 1;
  } finally {
    await runtime.close().catch((error: unknown) => logger.warn({ err: error }, 'closing clients failed'));
    await changes?.close().catch((error: unknown) => logger.warn({ err: error }, 'closing Redis failed'));
  }
  if (io.stdin === process.stdin) {
    // The daemon waits for this process to exit, with no time limit: a socket or timer some
    // library left open must not keep it alive. Not a live timer itself (unref).
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  }
  return code;
}

export function kclCommand(cli: CliContext): Command {
  return new Command('kcl')
    .description('Run as the KCL MultilangDaemon\'s record processor for one shard (what kcl.properties executableName starts).')
    .addHelpText(
      'after',
      `
Not for interactive use: the MultilangDaemon starts one such process per shard lease and speaks the
multilang protocol with it on standard input and output (one JSON message per line). Logs go to
standard error. Responses are written to the DynamoDB table RIPOSTE_RESPONSES_TABLE, dead letters
appended to RIPOSTE_DEAD_LETTERS; per-application settings come from RIPOSTE_SETTINGS.

Deployment: see kcl.properties and docs/drivers.md.`,
    )
    .action(async () => {
      cli.exitCode = await runKclChild(cli.io);
    });
}
