/** Runs a Node.js program as a child process and collects what it prints. */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './repo-root';

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunNodeOptions {
  /** The repository's root by default. */
  cwd?: string;
  /** This process's environment by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * `node ...args`; resolves once the child has exited and its output is fully read. That is 'close',
 * not 'exit': 'exit' can come while the last chunks of stdout are still in the pipe.
 */
export function runNode(args: readonly string[], options: RunNodeOptions = {}): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
