/** `riposte daemon` as a user meets it: what it says when something it needs is missing, and --print. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main';
import { capturedStream } from '../testing/captured-stream';
import { javaVersion } from '../drivers/kcl-daemon/daemon';
import { installedJars } from '../drivers/kcl-daemon/jars';
import { JARS_DIR } from '../../test/helpers/real-daemon';

async function riposte(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  const stdout = capturedStream();
  const stderr = capturedStream();
  try {
    const code = await main(args, { stdin: new PassThrough(), stdout: stdout.stream, stderr: stderr.stream });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

const local = { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4568', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567', AWS_REGION: 'us-east-1', RIPOSTE_USE_AWS: undefined };

it.each([
  ['without Java it says so and how to get it', ['daemon'], { ...local, PATH: mkdtempSync(join(tmpdir(), 'riposte-no-java-')) }, /`java` is not on the PATH.*apt-get install openjdk-17-jre-headless.*riposte start/s],
  ['without endpoints it names them and the one-machine command', ['daemon'], { AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_KINESIS: undefined, AWS_ENDPOINT_URL_DYNAMODB: undefined, RIPOSTE_USE_AWS: undefined }, /AWS_ENDPOINT_URL_KINESIS.*RIPOSTE_USE_AWS=1.*riposte start --driver kcl/s],
  ['a misspelled property is refused, not ignored', ['daemon', '--set', 'failovertimeMillis=1'], local, /--set failovertimeMillis: not a KCL property.*failoverTimeMillis/s],
  ['--set wants KEY=VALUE', ['daemon', '--set', 'failoverTimeMillis'], local, /--set expects KEY=VALUE/],
])('%s', async (_name, args, env, message) => {
  const run = await riposte(args, env);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(message);
});

const ready = javaVersion() !== undefined && installedJars(JARS_DIR) !== undefined;
(ready ? it : it.skip)('--print shows kcl.properties pointed at the endpoints, and the java command', async () => {
  const run = await riposte(['daemon', '--print', '--jars', JARS_DIR, '--set', 'failoverTimeMillis=5000'], { ...local, RIPOSTE_STREAM: 'events-x' });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  for (const line of ['kinesisEndpoint = http://127.0.0.1:4568', 'dynamoDBEndpoint = http://127.0.0.1:4567', 'metricsLevel = NONE', 'streamName = events-x', 'failoverTimeMillis = 5000']) {
    expect(run.stdout).toContain(`\n${line}\n`);
  }
  expect(run.stdout).toMatch(/^java -cp .*\.kcl\/jars\/\*:.* software\.amazon\.kinesis\.multilang\.MultiLangDaemon --properties-file \S+kcl\.properties$/m);
});
