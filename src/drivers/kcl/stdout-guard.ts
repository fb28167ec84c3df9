/**
 * In `riposte kcl` standard output belongs to the MultilangDaemon: one stray line from a dependency
 * (a debug `console.log`, a library printing a warning) would be read as a protocol message, and a
 * line that parses as one would derail the daemon. So before anything else runs, the child takes
 * stdout for itself: it keeps the stream's original `write` as its private handle for protocol
 * lines, and points `process.stdout.write` and the console's output methods at standard error.
 *
 * What this cannot catch is a write straight to file descriptor 1 (`fs.writeSync(1, …)`); nothing
 * in Riposte's dependencies does that.
 */
import { Writable } from 'node:stream';
import { format } from 'node:util';

export interface ClaimedStdout {
  /** Writes to the real standard output; for protocol lines only. */
  protocol: Writable;
  /** Puts everything back (for tests). */
  release(): void;
}

type WriteFn = typeof process.stdout.write;

const CONSOLE_OUTPUT_METHODS = ['log', 'info', 'debug', 'dir', 'dirxml', 'table'] as const;

let claimedProcessStdout: ClaimedStdout | null = null;

/**
 * Claims the process's standard output, once: `bin/riposte.js` calls it for `riposte kcl` before
 * loading any other module (a dependency printing as it loads is caught too), and the command calls
 * it again to get the same handle.
 */
export function claimProcessStdout(): ClaimedStdout {
  claimedProcessStdout ??= claimStdout(process.stdout, process.stderr);
  return claimedProcessStdout;
}

function claimStdout(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): ClaimedStdout {
  const originalWrite: WriteFn = stdout.write;
  const write = originalWrite.bind(stdout) as (chunk: string | Uint8Array, callback?: (error?: Error | null) => void) => boolean;

  const protocol = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      // The real stream buffers when the pipe is full; its callback fires once the bytes are handed
      // to the kernel, which is the backpressure this Writable passes on.
      write(chunk, (error) => callback(error ?? null));
    },
  });
  stdout.on('error', (error) => protocol.destroy(error));
  stdout.on('close', () => protocol.destroy());

  const toStderr = ((chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown) =>
    (stderr.write as (...args: unknown[]) => boolean)(chunk, encodingOrCallback, callback)) as WriteFn;
  stdout.write = toStderr;

  // The global console was bound to stdout at start-up; its output methods go to stderr now.
  const saved = new Map<string, unknown>();
  const consoleRecord = globalThis.console as unknown as Record<string, unknown>;
  for (const name of CONSOLE_OUTPUT_METHODS) {
    saved.set(name, consoleRecord[name]);
    consoleRecord[name] = (...args: unknown[]) => stderr.write(`${format(...args)}\n`);
  }

  return {
    protocol,
    release() {
      stdout.write = originalWrite;
      for (const [name, fn] of saved) consoleRecord[name] = fn;
    },
  };
}
