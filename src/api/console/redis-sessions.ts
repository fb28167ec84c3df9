/**
 * Console sessions in Redis, shared by every API process. One key per session, `<prefix>session:<sha256
 * of the id>`, whose expiry Redis keeps: the idle time, restarted by each use (GETEX), and never past
 * the session's hard end.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DEFAULT_SESSION_TIMES, newSession, randomSecret, SESSION_ID, sessionKey, type ConsoleSession, type SessionStore, type SessionTimes } from './sessions';

const Stored = z.object({ csrf: z.string(), createdAtMs: z.number(), endsAtMs: z.number() });

export class RedisSessionStore implements SessionStore {
  readonly #prefix: string;
  readonly #clock: () => number;

  constructor(
    private readonly redis: Redis,
    readonly times: SessionTimes = DEFAULT_SESSION_TIMES,
    options: { prefix?: string; clock?: () => number } = {},
  ) {
    this.#prefix = `${options.prefix ?? 'riposte:'}session:`;
    this.#clock = options.clock ?? Date.now;
  }

  async create(): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomSecret();
    const session = newSession(this.#clock(), this.times);
    await this.redis.set(this.#key(id), JSON.stringify(session), 'PX', this.times.idleMs);
    return { id, session };
  }

  async use(id: string): Promise<ConsoleSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const now = this.#clock();
    const text = await this.redis.getex(this.#key(id), 'PX', this.times.idleMs);
    if (text === null) return undefined;
    const parsed = Stored.safeParse(JSON.parse(text));
    if (!parsed.success || now >= parsed.data.endsAtMs) {
      await this.end(id);
      return undefined;
    }
    // The idle time just restarted must not carry the session past its hard end.
    if (now + this.times.idleMs > parsed.data.endsAtMs) await this.redis.pexpireat(this.#key(id), parsed.data.endsAtMs);
    return parsed.data;
  }

  async end(id: string): Promise<void> {
    await this.redis.del(this.#key(id));
  }

  #key(id: string): string {
    return `${this.#prefix}${sessionKey(id)}`;
  }
}
