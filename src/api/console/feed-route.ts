/**
 * The console's live feed: GET /v1/admin/feed, server-sent events. Each `response` event is one
 * response of any application, in the agents' view (agent-view.ts), as it is written or revoked.
 *
 * It is fed by the response change feed the agents' long-polls use (src/cache): a write or revoke of
 * an application wakes the stream, which reads that application's changes since its cursor from the
 * store. It starts with the changes of the last hour. As for agents (agent-reads.ts), a change can
 * become visible a moment after its change key was taken, so each read starts no later than
 * `SETTLE_MS` ago and what was sent already (same id, same change key) is skipped. A sweep every
 * `SWEEP_MS` reads every application anyway, for a wake-up lost with a Redis reconnect and for
 * applications added since the stream opened.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDirectory } from '../admin';
import { agentView } from '../agent-view';
import type { AuthHook } from '../auth';
import type { ChangeFeed } from '../../cache/change-feed';
import { changeKeyOf, type Logger, type ResponseReader } from '../../core/ports';
import { CONSOLE_HEADERS } from './security-headers';
import type { SessionStore } from './sessions';
import type { FeedResponse } from './wire';

export interface FeedRouteDeps {
  directory: AppDirectory;
  reader: ResponseReader;
  feed: ChangeFeed;
  sessions: SessionStore;
  access: AuthHook;
  clock: () => number;
  /** Aborted when the server closes: every stream ends then. */
  closing: AbortSignal;
  /** Requests the server waits for at close (the API's long-polls); a stream joins them. */
  held: Set<Promise<unknown>>;
  timing?: Partial<FeedTiming>;
}

export interface FeedTiming {
  /** How far back a new stream starts. */
  backlogMs: number;
  settleMs: number;
  sweepMs: number;
  heartbeatMs: number;
}

const DEFAULT_TIMING: FeedTiming = { backlogMs: 3600_000, settleMs: 5000, sweepMs: 10_000, heartbeatMs: 15_000 };
const PAGE = 200;

interface AppCursor {
  after: string;
  /** Response id → change key last sent. */
  sent: Map<string, string>;
  running: boolean;
  again: boolean;
  unsubscribe: () => void;
}

export function registerFeed(app: FastifyInstance, deps: FeedRouteDeps): void {
  const timing = { ...DEFAULT_TIMING, ...deps.timing };
  app.get('/v1/admin/feed', { onRequest: deps.access }, async (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...CONSOLE_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': request.id,
      // Proxies that buffer answers (nginx) would hold the events back.
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');
    const ended = new Promise<void>((resolve) => {
      const stream = new FeedStream(deps, timing, request, (chunk) => raw.write(chunk), request.log);
      const end = () => {
        stream.close();
        deps.closing.removeEventListener('abort', end);
        if (!raw.writableEnded) raw.end();
        resolve();
      };
      raw.on('close', end);
      deps.closing.addEventListener('abort', end);
      if (deps.closing.aborted) end();
      else stream.start(end);
    });
    deps.held.add(ended);
    await ended;
    deps.held.delete(ended);
    request.log.info({ method: request.method, path: '/v1/admin/feed', status: 200, ms: Math.round(reply.elapsedTime) }, 'request');
  });
}

class FeedStream {
  readonly #apps = new Map<string, AppCursor>();
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(
    private readonly deps: FeedRouteDeps,
    private readonly timing: FeedTiming,
    private readonly request: FastifyRequest,
    private readonly write: (chunk: string) => void,
    private readonly logger: Logger,
  ) {}

  start(end: () => void): void {
    this.#sweep();
    this.#timers.push(setInterval(() => this.#sweep(), this.timing.sweepMs));
    this.#timers.push(
      setInterval(() => {
        this.write(': keep-alive\n\n');
        void this.#sessionEnded().then((over) => over && end());
      }, this.timing.heartbeatMs),
    );
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const cursor of this.#apps.values()) cursor.unsubscribe();
    this.#apps.clear();
  }

  /** A stream opened with a session ends with it (the page then asks to sign in again). */
  async #sessionEnded(): Promise<boolean> {
    const current = this.request.consoleSession;
    if (current === null) return false;
    return (await this.deps.sessions.use(current.id).catch(() => current.session)) === undefined;
  }

  #sweep(): void {
    for (const appId of this.deps.directory.snapshot.apps.keys()) {
      if (!this.#apps.has(appId)) {
        this.#apps.set(appId, {
          after: changeKeyOf(this.deps.clock() - this.timing.backlogMs, ''),
          sent: new Map(),
          running: false,
          again: false,
          unsubscribe: this.deps.feed.subscribe(appId, () => void this.#pump(appId)),
        });
      }
      void this.#pump(appId);
    }
  }

  /** Sends what changed in `appId` since the cursor; one read at a time per application, and one more if woken meanwhile. */
  async #pump(appId: string): Promise<void> {
    const cursor = this.#apps.get(appId);
    if (cursor === undefined) return;
    if (cursor.running) {
      cursor.again = true;
      return;
    }
    cursor.running = true;
    try {
      do {
        cursor.again = false;
        await this.#read(appId, cursor);
      } while (cursor.again && !this.#closed);
    } catch (error) {
      this.logger.warn({ err: error, appId }, 'live feed: cannot read changes; trying again at the next sweep');
    } finally {
      cursor.running = false;
    }
  }

  async #read(appId: string, cursor: AppCursor): Promise<void> {
    const now = this.deps.clock();
    const settled = changeKeyOf(now - this.timing.settleMs, '');
    const from = cursor.after < settled ? cursor.after : settled;
    let position = from;
    for (;;) {
      const page = await this.deps.reader.changes(appId, position, PAGE);
      if (this.#closed) return;
      for (const r of page) {
        if (cursor.sent.get(r.id) === r.changeKey) continue;
        cursor.sent.set(r.id, r.changeKey);
        this.write(`event: response\ndata: ${JSON.stringify(agentView(r, now) satisfies FeedResponse)}\n\n`);
      }
      const last = page.at(-1)?.changeKey;
      if (last !== undefined && last > cursor.after) cursor.after = last;
      if (page.length < PAGE || last === undefined) break;
      position = last;
    }
    // What lies before this read's start is never read again.
    for (const [id, key] of cursor.sent) if (key <= from) cursor.sent.delete(id);
  }
}
