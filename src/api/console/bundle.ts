/**
 * The console's built files, and how a checkout never serves a stale build.
 *
 * In a checkout (the sources in console/ are there), the build lives in dist/console/<hash>, where
 * <hash> is the SHA-256 of every source file and of package-lock.json. At start Riposte computes the
 * hash (a few milliseconds) and, if that build is not there, runs Vite to make it (a few seconds, in
 * the background; requests for the console wait for it). So a change to any source, or to a
 * dependency, is a new hash and a new build: what is served is always what the sources say, and
 * nothing has to remember to rebuild. Why not Vite's dev server in a checkout: it serves inline
 * scripts the console's Content-Security-Policy refuses, so a checkout would run the console under a
 * weaker policy than production, and untested.
 *
 * In the image there are no sources: `npm run build:console` made dist/console/<hash> at build time,
 * and the newest build there is served.
 *
 * Several processes may start at once on one checkout (tests do): one builds, under a lock directory,
 * and the others wait for its result.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { silentLogger, type Logger } from '../../core/ports';
import { findUpwards } from '../../core/package-files';

export interface ConsoleFile {
  body: Buffer;
  /** The body gzipped once at load (the script is 295 KB, 97 KB gzipped), for clients that accept it. */
  gzipped: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A lock older than this belongs to a build that died. */
const STALE_LOCK_MS = 3 * 60_000;
const BUILD_TIMEOUT_MS = 5 * 60_000;

/** The directory of Riposte's package.json: the checkout, or /app in the image. */
export function packageRoot(): string {
  const file = findUpwards('package.json');
  if (file === undefined) throw new Error('cannot find package.json above the code');
  return dirname(file);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * Server files the console imports, part of its sources: the escaping of untrusted text (one
 * implementation for both) and the wire types (one definition for both). The types are erased by the
 * build, so they change no byte of it today; hashed all the same, so that nothing the console imports
 * can serve a stale build. bundle.test.ts fails when a console file imports one not listed here.
 */
export const SHARED_SOURCES = ['src/core/untrusted-text.ts', 'src/api/console/wire.ts'] as const;

/** The hash of the console's sources (shared ones included) and the locked dependency versions. */
export async function sourceHash(root: string): Promise<string> {
  const hash = createHash('sha256');
  const sources = join(root, 'console');
  const shared = SHARED_SOURCES.map((file) => join(root, file));
  for (const file of [...(await filesUnder(sources)), ...shared, join(root, 'package-lock.json')]) {
    hash.update(relative(root, file).split(sep).join('/')).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export class ConsoleBundle {
  #ready: Promise<ReadonlyMap<string, ConsoleFile>> | undefined;
  readonly #logger: Logger;

  constructor(
    readonly root: string = packageRoot(),
    options: { logger?: Logger } = {},
  ) {
    this.#logger = options.logger ?? silentLogger;
  }

  get fromSources(): boolean {
    return existsSync(join(this.root, 'console', 'index.html'));
  }

  /** Starts making the files ready (building them if needed) without waiting; failures are logged. */
  prepare(): void {
    this.files().catch((error: unknown) => this.#logger.error({ err: error }, 'the console could not be built; /console answers 503 until it is'));
  }

  /** The console's files by path under /console/ (`index.html`, `assets/index-….js`). */
  files(): Promise<ReadonlyMap<string, ConsoleFile>> {
    this.#ready ??= this.#load().catch((error: unknown) => {
      this.#ready = undefined; // the next request tries again
      throw error;
    });
    return this.#ready;
  }

  async #load(): Promise<ReadonlyMap<string, ConsoleFile>> {
    const dir = this.fromSources ? await this.#fresh() : await this.#newestBuild();
    const files = new Map<string, ConsoleFile>();
    for (const path of await filesUnder(dir)) {
      const type = TYPES[extname(path)];
      if (type === undefined) continue;
      const body = await readFile(path);
      files.set(relative(dir, path).split(sep).join('/'), { body, gzipped: gzipSync(body, { level: 9 }), type });
    }
    if (!files.has('index.html')) throw new Error(`${dir} has no index.html`);
    return files;
  }

  async #newestBuild(): Promise<string> {
    const builds = join(this.root, 'dist', 'console');
    const found: { dir: string; at: number }[] = [];
    for (const name of existsSync(builds) ? await readdir(builds) : []) {
      const index = join(builds, name, 'index.html');
      if (existsSync(index)) found.push({ dir: join(builds, name), at: (await stat(index)).mtimeMs });
    }
    const newest = found.sort((a, b) => b.at - a.at)[0];
    if (newest === undefined) throw new Error(`no console build in ${builds}: run npm run build:console where the sources are`);
    return newest.dir;
  }

  /** The build of the current sources, made now if there is none. */
  async #fresh(): Promise<string> {
    const hash = await sourceHash(this.root);
    const builds = join(this.root, 'dist', 'console');
    const target = join(builds, hash);
    await mkdir(builds, { recursive: true });
    for (;;) {
      if (existsSync(join(target, 'index.html'))) return target;
      const lock = `${target}.lock`;
      try {
        await mkdir(lock);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
        if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
        else await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      try {
        if (!existsSync(join(target, 'index.html'))) await this.#build(target);
      } finally {
        await rm(lock, { recursive: true, force: true });
      }
    }
  }

  async #build(target: string): Promise<void> {
    const vite = join(this.root, 'node_modules', 'vite', 'bin', 'vite.js');
    if (!existsSync(vite)) throw new Error(`the console's sources are here but Vite is not (${vite}): run npm ci`);
    const staging = `${target}.staging`;
    await rm(staging, { recursive: true, force: true });
    this.#logger.info({ to: relative(this.root, target) }, 'building the console (its sources changed since the last build)…');
    const started = Date.now();
    const args = [vite, 'build', '--config', join(this.root, 'console', 'vite.config.mts'), '--outDir', staging, '--emptyOutDir'];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(text);
        else reject(new Error(`vite build failed (${code ?? signal}):\n${text.slice(-4000)}`));
      });
    });
    await rename(staging, target);
    this.#logger.info({ ms: Date.now() - started, to: relative(this.root, target), warnings: output.trim() === '' ? undefined : output.trim().slice(-2000) }, 'console built');
    await this.#pruneOthers(target);
  }

  /**
   * Builds of earlier sources go once they are an hour old. A running server holds its files in memory
   * from its start, so this only spares one that started from other sources moments ago.
   */
  async #pruneOthers(keep: string): Promise<void> {
    const builds = dirname(keep);
    for (const name of await readdir(builds)) {
      const dir = join(builds, name);
      if (dir === keep || name.endsWith('.lock') || name.endsWith('.staging')) continue;
      const age = Date.now() - (await stat(dir)).mtimeMs;
      if (age > 3600_000) await rm(dir, { recursive: true, force: true });
    }
  }
}
