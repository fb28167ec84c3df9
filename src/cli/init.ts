/**
 * `riposte init`: creates what Riposte needs on the endpoints the AWS SDK is configured for — the
 * Kinesis stream, and the responses, checkpoints and apps tables. Running it again changes nothing.
 */
import { Command, Option } from 'commander';
import { loadEnv } from '../config/env';
import { wholeNumber, type CliContext } from './context';

export interface InitOptions {
  shards: number;
  env?: NodeJS.ProcessEnv;
}

export async function init(cli: CliContext, options: InitOptions): Promise<void> {
  const env = loadEnv(options.env ?? process.env);
  // The AWS SDK is loaded only to run the command, not for its --help.
  const [{ createDynamoClient, createKinesisClient }, { ensureStream }, { ensureTable, riposteTables }] = await Promise.all([
    import('../aws/clients'),
    import('../aws/stream'),
    import('../aws/tables'),
  ]);
  const out = cli.io.stdout;
  const kinesis = createKinesisClient();
  const dynamo = createDynamoClient();
  try {
    const stream = await ensureStream(kinesis, env.RIPOSTE_STREAM, options.shards);
    out.write(`stream ${env.RIPOSTE_STREAM}: ${stream.outcome}, ${stream.openShards} open shard(s)\n`);
    if (stream.outcome === 'exists' && stream.openShards !== options.shards) {
      out.write(`  (not resharded to ${options.shards}: change the shard count with the Kinesis console or UpdateShardCount)\n`);
    }
    for (const spec of riposteTables(env)) {
      out.write(`table ${spec.input.TableName}: ${await ensureTable(dynamo, spec)}\n`);
    }
  } finally {
    kinesis.destroy();
    dynamo.destroy();
  }
}

export function initCommand(cli: CliContext): Command {
  return new Command('init')
    .description('Create the Kinesis stream and the DynamoDB tables (responses, checkpoints, apps) if they do not exist.')
    .addOption(new Option('--shards <count>', 'shards of the stream, when it is created').default(1).argParser(wholeNumber('--shards', 1)))
    .addHelpText(
      'after',
      `
Works on whatever the AWS SDK is configured for: AWS itself (AWS_REGION, the default credential
chain), or local endpoints (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB). Names come from
RIPOSTE_STREAM, RIPOSTE_RESPONSES_TABLE, RIPOSTE_CHECKPOINTS_TABLE and RIPOSTE_APPS_TABLE.
Idempotent: what exists is left as it is (an existing stream is not resharded).
The KCL's own lease table (applicationName in kcl.properties) is created by the KCL.

Examples:
  AWS_REGION=eu-west-1 riposte init --shards 4
  AWS_ENDPOINT_URL_KINESIS=http://localhost:4567 AWS_ENDPOINT_URL_DYNAMODB=http://localhost:4568 riposte init`,
    )
    .action(async (opts: { shards: number }) => {
      await init(cli, { shards: opts.shards });
    });
}
