/**
 * `riposte daemon`: the real KCL MultilangDaemon on this machine, against the endpoints the AWS SDK
 * is configured for (or AWS itself), starting one `riposte kcl` per shard lease. What the riposte-kcl
 * image runs, without the image. `--fetch-only` fetches the daemon's jars and stops there.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { awsEndpointsConfigured, loadEnv } from '../config/env';
import { ensureKclJars, KclSetupError } from '../drivers/kcl-daemon/jars';
import { installationRoot, launchDaemon, prepareDaemon } from '../drivers/kcl-daemon/launch';
import { KCL_KEYS, type KclProperties } from '../drivers/kcl-daemon/properties';
import type { CliContext } from './context';

interface DaemonOptions {
  properties?: string;
  jars?: string;
  set: KclProperties;
  fetchOnly?: boolean;
  print?: boolean;
}

function collectProperty(value: string, previous: KclProperties): KclProperties {
  const m = /^([A-Za-z]+)=(.*)$/.exec(value);
  if (m === null) throw new KclSetupError(`--set expects KEY=VALUE (e.g. --set failoverTimeMillis=5000), got "${value}"`);
  const key = m[1] as string;
  if (!(KCL_KEYS as readonly string[]).includes(key)) throw new KclSetupError(`--set ${key}: not a KCL property Riposte knows; the daemon would ignore it (known: ${KCL_KEYS.join(', ')})`);
  return { ...previous, [key]: m[2] };
}

async function runDaemon(cli: CliContext, o: DaemonOptions): Promise<void> {
  const progress = (line: string) => cli.io.stderr.write(`${line}\n`);
  if (o.fetchOnly === true) {
    const dir = o.jars ?? join(installationRoot(), '.kcl', 'jars');
    const jars = await ensureKclJars({ dir, progress });
    cli.io.stdout.write(`${jars.length} jars ready in ${dir}\n`);
    return;
  }
  loadEnv(process.env); // a bad Riposte setting is reported now, not by every child the daemon starts
  if (!awsEndpointsConfigured(process.env)) {
    throw new KclSetupError(
      'riposte daemon runs against configured endpoints: set AWS_ENDPOINT_URL_KINESIS and AWS_ENDPOINT_URL_DYNAMODB ' +
        '(e.g. a kinesis-local and a dynalite), or RIPOSTE_USE_AWS=1 for AWS itself. For everything on this machine ' +
        'with nothing to set up, run `riposte start --driver kcl`.',
    );
  }
  const options = { properties: o.properties, jarsDir: o.jars, set: o.set, env: process.env, progress };
  if (o.print === true) {
    const prepared = await prepareDaemon(options);
    cli.io.stdout.write(`${prepared.properties}\n# run from ${prepared.root}:\n${prepared.command.join(' ')}\n`);
    return;
  }
  // The daemon's log (and the children's, which it copies) goes to standard error, like Riposte's.
  const daemon = await launchDaemon({ ...options, stdio: ['ignore', 'inherit', 'inherit'] });
  progress(`riposte daemon: started the KCL MultilangDaemon (pid ${daemon.process.pid}); Ctrl-C stops it gracefully`);
  const onSignal = () => void daemon.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = await daemon.exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // 143: the JVM's status after a SIGTERM it handled (its shutdown hooks ran).
  cli.exitCode = outcome === 0 || outcome === 143 ? 0 : 1;
}

export function daemonCommand(cli: CliContext): Command {
  return new Command('daemon')
    .description('Run the KCL MultilangDaemon (Java) here, on the configured endpoints: it takes shard leases and starts one `riposte kcl` per lease.')
    .addOption(new Option('--properties <file>', 'kcl.properties to derive from (default: the one of this installation)'))
    .addOption(new Option('--jars <dir>', "folder of the daemon's jars (default: .kcl/jars of this installation)"))
    .addOption(new Option('--set <key=value>', 'set a KCL property for this run (repeatable), e.g. --set failoverTimeMillis=5000').argParser(collectProperty).default({}, 'none'))
    .addOption(new Option('--fetch-only', "fetch the daemon's jars with Maven and exit"))
    .addOption(new Option('--print', 'print the derived properties and the java command instead of running them'))
    .addHelpText(
      'after',
      `
Needs Java 11+ (\`java\`) and, the first time, Maven (\`mvn\`): the jars are exactly those aws-kcl's
pom.xml lists, fetched with their checksums verified into .kcl/jars (Maven caches them in ~/.m2),
so later runs need no network.

The properties are kcl.properties with, from the environment: kinesisEndpoint and dynamoDBEndpoint
(AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB; metrics off then), regionName (AWS_REGION),
streamName (RIPOSTE_STREAM), applicationName (RIPOSTE_KCL_APPLICATION), then --set. The children
inherit this environment: RIPOSTE_RESPONSES_TABLE, REDIS_URL and the rest apply to them.

The Kinesis emulator must be one the KCL accepts: kinesis-local (npm), not kinesalite, which
speaks no HTTP/2. For the whole system on one machine with nothing to set up: riposte start --driver kcl.

Examples:
  riposte daemon --fetch-only
  AWS_REGION=eu-west-1 RIPOSTE_USE_AWS=1 riposte daemon
  AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:4568 AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:4567 \\
    AWS_REGION=us-east-1 riposte daemon --set failoverTimeMillis=5000`,
    )
    .action(async (opts: DaemonOptions) => {
      await runDaemon(cli, opts);
    });
}
