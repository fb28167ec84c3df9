/** What every command gets: its streams (injected, so tests run commands in-process) and its exit code. */
import type { Writable } from 'node:stream';
import { InvalidArgumentError } from 'commander';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean };
}

export interface CliContext {
  io: CliIo;
  /** Set by a command that finishes without throwing but must not report success. */
  exitCode: number;
}

/** Parses an option that is a whole number (of seconds, of shards…), naming the option if it is not. */
export function wholeNumber(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}, got "${value}"`);
    return n;
  };
}
