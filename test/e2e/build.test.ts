/**
 * The compiled build as the image runs it: `tsc -p tsconfig.build.json`, laid out like the Dockerfile's
 * /app (package.json, dist/, bin/, rules/, playbooks/*.yaml, node_modules; no sources), then
 * `riposte start`. The other end-to-end tests run the TypeScript sources, where files found relative
 * to the code (package.json, rules/pack.json) sit one directory higher than in dist/.
 */
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogs, waitForValue } from '../helpers/riposte-process';

const ROOT = join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION = (require('../../package.json') as { version: string }).version;

describe('the compiled build', () => {
  const app = mkdtempSync(join(tmpdir(), 'riposte-build-'));
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    for (const entry of ['package.json', 'bin', 'rules']) cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
    mkdirSync(join(app, 'playbooks'));
    for (const file of readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml'))) cpSync(join(ROOT, 'playbooks', file), join(app, 'playbooks', file));
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(app, 'node_modules'), 'dir');
  }, 120_000);

  it('starts and answers /healthz with the package version', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', RIPOSTE_DATA_DIR: join(app, 'data'), PORT: '0', HOST: '127.0.0.1' };
    for (const key of ['REDIS_URL', 'RIPOSTE_RETRY_QUEUE_URL', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_DYNAMODB', 'RIPOSTE_USE_AWS']) delete env[key];
    const child = spawn(process.execPath, [join(app, 'bin', 'riposte.js'), 'start'], { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await waitForValue(
        () => {
          if (child.exitCode !== null) throw new Error(`riposte start exited (${child.exitCode}):\n${err.slice(-3000)}`);
          return parseLogs(err).find((l) => l.msg === 'Riposte is running on its embedded Kinesis and DynamoDB')?.url as string | undefined;
        },
        30_000,
        () => err,
      );
      const response = await fetch(`${url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', version: VERSION });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
