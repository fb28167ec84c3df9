/**
 * `riposte start` as a user runs it: a child process on a free port (PORT=0) with the given data
 * directory, on its embedded Kinesis and DynamoDB (no AWS endpoint, no Redis). Resolves once the
 * server logs that it is running, with its URL. Used by the end-to-end tests and the latency bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/lib/repo-root';
import { waitForValue } from './wait';

const RUNNING = 'Riposte is running on its embedded Kinesis and DynamoDB';
/** Log text kept (the tail): a long benchmark logs every request. */
const KEEP_CHARS = 4 * 1024 * 1024;

export interface RiposteProcess {
  child: ChildProcess;
  url: string;
  /** Everything written to standard output (the first start's banner with the demo token). */
  stdout(): string;
  /** The JSON log lines (standard error), parsed. */
  logs(): Record<string, unknown>[];
  /** The end of standard error as written, JSON or not (a fatal V8 error, an uncaught exception's stack). */
  stderrTail(chars?: number): string;
  /** How it exited, once it has: its exit code or the signal that ended it. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** SIGTERM, and the exit code once it has exited. */
  stop(): Promise<number | null>;
}

/** The JSON lines of `text`; a line still being written is skipped. */
function parseLogs(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/**
 * `root` is the directory `bin/riposte.js` is run from: the checkout (sources, bin/typescript-cache.js) by default,
 * or a directory laid out like the image (a build, no sources).
 */
export interface StartProcessOptions {
  /** Options after `start`, e.g. ['--driver', 'kcl']. */
  args?: string[];
  /** A process group of its own, to kill with whatever it started (`process.kill(-pid)`). */
  detached?: boolean;
  /** Options to node itself, before the script, e.g. ['--cpu-prof'] (which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

function startEnv(dataDir: string, extraEnv: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, RIPOSTE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...extraEnv };
  for (const key of ['REDIS_URL', 'RIPOSTE_RETRY_QUEUE_URL', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_DYNAMODB', 'RIPOSTE_USE_AWS']) {
    if (!(key in extraEnv)) delete env[key];
  }
  // A key given as undefined is left unset (HOST: undefined, for the default address).
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  return env;
}

/**
 * `riposte start` expected to stop by itself (a failure at start-up): its exit code and output, or a
 * failure naming what it printed if it is still running after `timeoutMs` (then it is killed).
 */
export async function runRiposteUntilExit(dataDir: string, extraEnv: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'riposte.js'), 'start'], { cwd: REPO_ROOT, env: startEnv(dataDir, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'running'>((resolve) => (timer = setTimeout(() => resolve('running'), timeoutMs)));
  try {
    const code = await Promise.race([exited, late]);
    if (code === 'running') throw new Error(`riposte start was still running ${timeoutMs} ms after it started; its output:\n${stderr.slice(-3000)}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

export async function startRiposteProcess(dataDir: string, extraEnv: NodeJS.ProcessEnv = {}, root: string = REPO_ROOT, options: StartProcessOptions = {}): Promise<RiposteProcess> {
  const env = startEnv(dataDir, extraEnv);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(root, 'bin', 'riposte.js'), 'start', ...(options.args ?? [])], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.length > KEEP_CHARS * 2) err = err.slice(err.indexOf('\n', err.length - KEEP_CHARS) + 1);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(code);
    }),
  );
  let url: string;
  try {
    url = await waitForValue(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`riposte start exited (${child.exitCode ?? child.signalCode}):\n${err.slice(-3000)}`);
        return parseLogs(err).find((l) => l.msg === RUNNING)?.url as string | undefined;
      },
      60_000,
      { what: 'riposte start to say it is running', context: () => err },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    url,
    stdout: () => out,
    logs: () => parseLogs(err),
    stderrTail: (chars = 5000) => err.slice(-chars),
    exit: () => exit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The demo application's agent token, from the banner of a first start. */
export function demoToken(started: RiposteProcess): Promise<string> {
  return waitForValue(() => /rpt_[A-Za-z0-9_-]+/.exec(started.stdout())?.[0], 10_000, { what: 'the demo token on standard output', context: started.stdout });
}
