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

export interface ClaimedStdout {
  /** Writes to the real standard output; for protocol lines only. */
  protocol: Writable;
  /** Puts everything back (for tests). */
  release(): void;
}

type WriteFn = typeof process.stdout.write;

const CONSOLE_OUTPUT_METHODS = ['log', 'info', 'debug', 'dir', 'dirxml', 'table'] as const;

export function claimStdout(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): ClaimedStdout {
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
  const consoleRecord = console as unknown as Record<string, unknown>;
  for (const name of CONSOLE_OUTPUT_METHODS) {
    saved.set(name, consoleRecord[name]);
    consoleRecord[name] = (...args: unknown[]) => (console.error as (...a: unknown[]) => void)(...args);
  }

  return {
    protocol,
    release() {
      stdout.write = originalWrite;
      for (const [name, fn] of saved) consoleRecord[name] = fn;
    },
  };
}
