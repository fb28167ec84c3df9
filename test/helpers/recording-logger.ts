/** A Logger that keeps what it was told, for tests that assert a problem was logged. */
import type { Logger } from '../../src/core/ports';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  obj: object;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(obj: object, msg?: string): void {
    this.entries.push({ level: 'debug', msg, obj });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: 'info', msg, obj });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: 'warn', msg, obj });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: 'error', msg, obj });
  }

  /** Messages at `level` or above. */
  messages(level: LogEntry['level'] = 'warn'): string[] {
    const order = ['debug', 'info', 'warn', 'error'];
    return this.entries.filter((e) => order.indexOf(e.level) >= order.indexOf(level)).map((e) => e.msg ?? '');
  }
}
