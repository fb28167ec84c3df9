/**
 * What the agent says about itself goes through a narrow logger port shaped like pino's
 * (`logger.warn({ fields }, 'message')`), so an application passes its own logger as it is. By
 * default the agent writes one line per message to standard error: a security agent that fails in
 * silence (a wrong token, an unreachable Riposte) is worse than a noisy one. `logger: false` silences it.
 *
 * The agent runs on every request of someone else's application, so a failure that repeats (Riposte
 * down for an hour) must not flood their logs: `ThrottledLogger` writes each kind of message at most
 * once a minute, and says how many it held back.
 */

export type LogFields = Record<string, unknown>;

export interface AgentLogger {
  error(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  info?(fields: LogFields, message: string): void;
  debug?(fields: LogFields, message: string): void;
}

function line(level: string, fields: LogFields, message: string): string {
  const extra = Object.entries(fields)
    .map(([key, value]) => `${key}=${value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${new Date().toISOString()} @riposte/agent ${level}: ${message}${extra === '' ? '' : ` (${extra})`}\n`;
}

/** One line per warning or error on standard error; info and debug are not written. */
export const stderrLogger: AgentLogger = {
  error: (fields, message) => void process.stderr.write(line('error', fields, message)),
  warn: (fields, message) => void process.stderr.write(line('warn', fields, message)),
};

export const silentLogger: AgentLogger = { error: () => undefined, warn: () => undefined };

type Level = 'error' | 'warn' | 'info' | 'debug';

/** Writes each `key` at most once per interval; the next line it writes counts those it held back. */
export class ThrottledLogger {
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly logger: AgentLogger,
    private readonly intervalMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  log(level: Level, key: string, fields: LogFields, message: string): void {
    const now = this.clock();
    const last = this.#last.get(key);
    if (last !== undefined && now - last.at < this.intervalMs) {
      last.held += 1;
      return;
    }
    const held = last?.held ?? 0;
    this.#last.set(key, { at: now, held: 0 });
    const all = held > 0 ? { ...fields, repeated: held } : fields;
    try {
      this.logger[level]?.(all, message);
    } catch {
      // The application's logger failed: nothing sensible is left to tell, and the agent must not throw.
    }
  }
}
