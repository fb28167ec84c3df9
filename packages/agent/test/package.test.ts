/**
 * The package as an application installs it: compiled JavaScript and declarations, loaded by plain
 * Node.js (no TypeScript loader), and a tarball with nothing but those, the README and package.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, { types: string; default: string }> };
// Inside the package, so that the build finds the dependencies as an installed package would.
const out = mkdtempSync(join(root, '.build-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(() => {
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { stdio: 'pipe' });
}, 120_000);

test('the entry points of package.json are what the build produces', () => {
  for (const file of [manifest.main, manifest.types, manifest.exports['.']?.default, manifest.exports['.']?.types]) {
    expect(file).toMatch(/^(\.\/)?dist\//);
    expect(existsSync(join(out, (file as string).replace(/^(\.\/)?dist\//, '')))).toBe(true);
  }
});

test('plain Node.js loads the build, and an agent works before Riposte answers (everything passes)', () => {
  const script = `
    const http = require('node:http');
    const { createAgent } = require(${JSON.stringify(out)});
    const agent = createAgent({ url: 'http://127.0.0.1:1', token: 'rpt_x', logger: false });
    const mw = agent.middleware();
    const server = http.createServer((req, res) => mw(req, res, () => res.end('app'))).listen(0, '127.0.0.1', () => {
      http.get('http://127.0.0.1:' + server.address().port + '/', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', async () => {
          console.log(res.statusCode, body, typeof agent.fastify(), await agent.close());
          server.close();
        });
      });
    });`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe('200 app function true');
});

test('the tarball holds the build, the README and package.json, no sources or tests', () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as { files: { path: string }[] }[];
  const files = packed[0]?.files.map((f) => f.path) ?? [];
  expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md']));
  expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'README.md' && f !== 'LICENSE')).toEqual([]);
});
