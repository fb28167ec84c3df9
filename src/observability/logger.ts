/**
 * Logs are JSON lines on standard error (pino), readable when standard error is a terminal. Never
 * standard output: in `riposte kcl` it belongs to the MultilangDaemon, and in `riposte replay` to the
 * responses.
 *
 * A log line may carry what an attacker sent (a login, a path, a rejected record's reason): its
 * bidirectional and line-separator characters are written escaped (src/core/untrusted-text.ts), as
 * JSON escapes in JSON lines (the value parses back unchanged) and as visible `\u202E` in pretty ones.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { safeJsonText, visiblyEscapedJsonText } from '../core/untrusted-text';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON; by default when standard error is a terminal. */
  pretty?: boolean;
  name?: string;
  /** Where lines go instead of standard error (tests). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): PinoLogger {
  const base = {
    name: options.name ?? 'riposte',
    level: options.level ?? 'info',
    // Tokens and credentials never reach a log line, whatever an object carries.
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
  if (options.pretty ?? process.stderr.isTTY === true) {
    const destination = options.destination ?? 2;
    const colorize = options.destination === undefined;
    return pino({ ...base, hooks: { streamWrite: visiblyEscapedJsonText } }, pretty({ destination, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino({ ...base, hooks: { streamWrite: safeJsonText } }, options.destination ?? pino.destination({ dest: 2, sync: true }));
}
