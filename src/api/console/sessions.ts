/**
 * Console sessions. Signing in with the admin token makes a session; the browser holds only its id,
 * in an HttpOnly cookie, and a CSRF token in the page's memory. A session ends when it has been idle
 * for `idleMs`, `maxMs` after it began whatever its use, or when its holder signs out.
 *
 * Stores keep sessions by the SHA-256 of their id, so a look at Redis does not hand out sessions.
 * Redis is used when REDIS_URL is set (every API process behind a load balancer sees every session);
 * otherwise memory, for one process.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface ConsoleSession {
  /** Sent back by the page in `x-csrf-token` with every state-changing call. */
  csrf: string;
  createdAtMs: number;
  /** The hard end, whatever the use. */
  endsAtMs: number;
}

export interface SessionTimes {
  /** Idle time after which a session ends. */
  idleMs: number;
  /** Longest life of a session. */
  maxMs: number;
}

export const DEFAULT_SESSION_TIMES: SessionTimes = { idleMs: 30 * 60_000, maxMs: 12 * 3600_000 };

export interface SessionStore {
  readonly times: SessionTimes;
  /** A new session; resolves to its id (the cookie's value) and the session. */
  create(): Promise<{ id: string; session: ConsoleSession }>;
  /** The live session of `id`, its idle time restarted; undefined when there is none (ended, unknown). */
  use(id: string): Promise<ConsoleSession | undefined>;
  end(id: string): Promise<void>;
}

/** 256 random bits, base64url. */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

export const sessionKey = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export function newSession(now: number, times: SessionTimes): ConsoleSession {
  return { csrf: randomSecret(), createdAtMs: now, endsAtMs: now + times.maxMs };
}

export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, { session: ConsoleSession; idleUntilMs: number }>();

  constructor(
    readonly times: SessionTimes = DEFAULT_SESSION_TIMES,
    private readonly clock: () => number = Date.now,
  ) {}

  async create(): Promise<{ id: string; session: ConsoleSession }> {
    const now = this.clock();
    this.#sweep(now);
    const id = randomSecret();
    const session = newSession(now, this.times);
    this.#sessions.set(sessionKey(id), { session, idleUntilMs: now + this.times.idleMs });
    return { id, session };
  }

  async use(id: string): Promise<ConsoleSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const now = this.clock();
    const key = sessionKey(id);
    const entry = this.#sessions.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.idleUntilMs || now >= entry.session.endsAtMs) {
      this.#sessions.delete(key);
      return undefined;
    }
    entry.idleUntilMs = now + this.times.idleMs;
    return entry.session;
  }

  async end(id: string): Promise<void> {
    this.#sessions.delete(sessionKey(id));
  }

  /** Ended sessions go when a new one starts, so the map holds no more than the live ones and a few. */
  #sweep(now: number): void {
    for (const [key, entry] of this.#sessions) {
      if (now >= entry.idleUntilMs || now >= entry.session.endsAtMs) this.#sessions.delete(key);
    }
  }
}
