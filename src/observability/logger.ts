/**
 * Logs are JSON lines on standard error (pino), readable when standard error is a terminal. Never
 * standard output: in `riposte kcl` it belongs to the MultilangDaemon, and in `riposte replay` to the
 * responses.
 */
import pino, { type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON; by default when standard error is a terminal. */
  pretty?: boolean;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): PinoLogger {
  const base = {
    name: options.name ?? 'riposte',
    level: options.level ?? 'info',
    // Tokens and credentials never reach a log line, whatever an object carries.
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
  if (options.pretty ?? process.stderr.isTTY === true) {
    return pino(base, pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}
