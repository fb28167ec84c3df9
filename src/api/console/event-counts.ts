/**
 * Events accepted by the ingest API, per application and minute: the console's "events per minute".
 * Nothing else in Riposte keeps it (the stream keeps events, not counts, and the shard processors may
 * be KCL workers in other processes), so the API processes count what they accept:
 *
 * - in memory, when there is one process (`riposte start` without Redis);
 * - in Redis otherwise, one key per application and minute (`<prefix>events:<appId>:<minute>`, kept
 *   two hours), so that every API process behind a load balancer adds to the same count. Counts are
 *   gathered in memory and added once a second, one pipeline for all, so an ingest request costs no
 *   Redis call.
 *
 * What is counted is what the ingest API answered 202 for (`accepted`), by the minute it was accepted
 * (not the events' own times).
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../../core/ports';

export const MINUTE_MS = 60_000;
/** Minutes kept: the console shows one hour. */
const KEPT_MINUTES = 120;

export interface EventCounts {
  add(appId: string, atMs: number, count: number): void;
  /** Counts of `minutes` minutes from the minute starting at `fromMs`, oldest first. */
  series(appId: string, fromMs: number, minutes: number): Promise<number[]>;
  close(): Promise<void>;
}

const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** Per application, minute start → count. */
class MinuteTable {
  readonly byApp = new Map<string, Map<number, number>>();

  add(appId: string, minute: number, count: number): void {
    let minutes = this.byApp.get(appId);
    if (minutes === undefined) {
      minutes = new Map();
      this.byApp.set(appId, minutes);
    }
    minutes.set(minute, (minutes.get(minute) ?? 0) + count);
  }

  get(appId: string, minute: number): number {
    return this.byApp.get(appId)?.get(minute) ?? 0;
  }

  dropBefore(minute: number): void {
    for (const [appId, minutes] of this.byApp) {
      for (const m of minutes.keys()) if (m < minute) minutes.delete(m);
      if (minutes.size === 0) this.byApp.delete(appId);
    }
  }
}

export class MemoryEventCounts implements EventCounts {
  readonly #table = new MinuteTable();
  #oldestKept = 0;

  add(appId: string, atMs: number, count: number): void {
    const minute = minuteOf(atMs);
    this.#table.add(appId, minute, count);
    const keepFrom = minute - KEPT_MINUTES * MINUTE_MS;
    if (keepFrom > this.#oldestKept) {
      this.#oldestKept = keepFrom;
      this.#table.dropBefore(keepFrom);
    }
  }

  async series(appId: string, fromMs: number, minutes: number): Promise<number[]> {
    const first = minuteOf(fromMs);
    return Array.from({ length: minutes }, (_, i) => this.#table.get(appId, first + i * MINUTE_MS));
  }

  async close(): Promise<void> {}
}

export class RedisEventCounts implements EventCounts {
  #pending = new MinuteTable();
  readonly #prefix: string;
  readonly #timer: NodeJS.Timeout;
  readonly #logger: Logger;
  #flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string; logger?: Logger; flushMs?: number } = {},
  ) {
    this.#prefix = `${options.prefix ?? 'riposte:'}events:`;
    this.#logger = options.logger ?? silentLogger;
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? 1000).unref();
  }

  add(appId: string, atMs: number, count: number): void {
    this.#pending.add(appId, minuteOf(atMs), count);
  }

  /** Adds the counts gathered so far to Redis. A failure is logged and those counts are lost: they are a chart, not a ledger. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    if (pending.byApp.size === 0) return;
    this.#pending = new MinuteTable();
    const pipeline = this.redis.pipeline();
    for (const [appId, minutes] of pending.byApp) {
      for (const [minute, count] of minutes) {
        const key = this.#key(appId, minute);
        pipeline.incrby(key, count);
        pipeline.pexpire(key, KEPT_MINUTES * MINUTE_MS);
      }
    }
    try {
      const replies = await pipeline.exec();
      const failure = replies?.find(([error]) => error !== null)?.[0];
      if (failure) throw failure;
    } catch (error) {
      this.#logger.warn({ err: error }, 'cannot add event counts to Redis; the console shows fewer events for this second');
    }
  }

  async series(appId: string, fromMs: number, minutes: number): Promise<number[]> {
    const first = minuteOf(fromMs);
    const keys = Array.from({ length: minutes }, (_, i) => this.#key(appId, first + i * MINUTE_MS));
    // What is not yet added is read before the MGET is sent, not after its answer: a flush in between
    // sends its INCRBYs behind the MGET on the same connection, so each count is seen exactly once.
    const unflushed = keys.map((_, i) => this.#pending.get(appId, first + i * MINUTE_MS));
    const stored = await this.redis.mget(...keys);
    return stored.map((value, i) => Number(value ?? 0) + (unflushed[i] ?? 0));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #key(appId: string, minute: number): string {
    return `${this.#prefix}${appId}:${minute / MINUTE_MS}`;
  }
}

/**
 * Counts what the ingest API accepts, from its answer (`202 {accepted}`, the API's contract) rather
 * than from inside the ingest route: the count follows what clients were told.
 */
export function countAcceptedEvents(app: FastifyInstance, counts: EventCounts, clock: () => number): void {
  // A callback, not an async hook: it runs on every answer with a body, and a promise each costs.
  app.addHook('preSerialization', (request, reply, payload: unknown, done) => {
    if (reply.statusCode === 202 && request.routeOptions.url === '/v1/events' && request.appId !== '') {
      const accepted = (payload as { accepted?: unknown } | null)?.accepted;
      if (typeof accepted === 'number' && accepted > 0) counts.add(request.appId, clock(), accepted);
    }
    done(null, payload);
  });
}
