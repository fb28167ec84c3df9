/**
 * The compiled build as the image runs it: `tsc -p tsconfig.build.json`, laid out like the Dockerfile's
 * /app (package.json, dist/, bin/, rules/, playbooks/*.yaml, node_modules; no sources), then
 * `riposte start`. The other end-to-end tests run the TypeScript sources, where files found relative
 * to the code (package.json, rules/pack.json) sit one directory higher than in dist/, and the console
 * is served from a build, not from its sources.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT as ROOT } from '../../scripts/lib/repo-root';
import { ConsoleBundle } from '../../src/api/console/bundle';
import { startRiposteProcess } from '../helpers/riposte-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION = (require('../../package.json') as { version: string }).version;

describe('the compiled build', () => {
  const app = mkdtempSync(join(tmpdir(), 'riposte-build-'));
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: ROOT, stdio: 'pipe' });
    for (const entry of ['package.json', 'bin', 'rules']) cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
    mkdirSync(join(app, 'playbooks'));
    for (const file of readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml'))) cpSync(join(ROOT, 'playbooks', file), join(app, 'playbooks', file));
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(app, 'node_modules'), 'dir');
    // The console as `npm run build:console` leaves it in the image: built from the sources, no sources beside it.
    await new ConsoleBundle(ROOT).files();
    cpSync(join(ROOT, 'dist', 'console'), join(app, 'dist', 'console'), { recursive: true, filter: (path) => !/\.(lock|staging)$/.test(path) });
  }, 120_000);

  it('starts and answers /healthz with the package version', async () => {
    const started = await startRiposteProcess(join(app, 'data'), { NODE_ENV: 'production' }, app);
    try {
      const response = await fetch(`${started.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', version: VERSION });
      const page = await fetch(`${started.url}/console/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Riposte console</title>');
      expect(await started.stop()).toBe(0);
    } finally {
      started.child.kill('SIGKILL');
    }
  }, 90_000);
});
