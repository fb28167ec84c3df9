/**
 * Keeps the agent's rules and responses in step with Riposte (docs/api.md, "The agent loop"):
 * 1. `GET /v1/agent/rules`: the rules pack, every active response, and a cursor into the change feed;
 * 2. then, again and again, `GET /v1/agent/responses?since=<cursor>&wait=30`: held open by Riposte
 *    until a response is created or revoked, so a new ban reaches the agent within a second;
 * 3. every minute, the rules pack again with `If-None-Match` (a 304 costs nothing).
 * A failed exchange is tried again after the server's `Retry-After` or a backoff with jitter; the
 * cursor is kept, so nothing that happened meanwhile is missed. While Riposte is unreachable the
 * agent enforces what it knows until each response expires. A cursor Riposte no longer accepts
 * means starting over from step 1, whose list of active responses replaces the table.
 */
import { Backoff, retryAfterMillis, sleep } from './backoff';
import type { HttpClient, HttpOutcome } from './http-client';
import type { ThrottledLogger } from './logger';
import type { RetryOptions, SyncOptions } from './options';
import type { ResponseTable } from './response-table';
import { readResponse, type RiposteResponse } from './responses';

export interface SyncHooks {
  /** A rules pack arrived that differs from the last one. */
  onPack(pack: unknown): void;
}

interface Page {
  responses?: unknown;
  cursor?: unknown;
  pack?: unknown;
}

/** 'ok', or how long to wait before trying again. */
type Step = 'ok' | { retryInMs: number };

function parsePage(body: string): Page | undefined {
  try {
    const page = JSON.parse(body) as unknown;
    return typeof page === 'object' && page !== null ? (page as Page) : undefined;
  } catch {
    return undefined;
  }
}

export class ResponseSync {
  readonly #abort = new AbortController();
  readonly #backoff: Backoff;
  #cursor: string | undefined;
  #etag: string | undefined;
  #packText: string | undefined;
  #connected = false;
  #ready = false;
  #markReady!: () => void;
  readonly whenReady = new Promise<void>((resolve) => (this.#markReady = resolve));
  #loop: Promise<void> | undefined;
  #rulesTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: HttpClient,
    private readonly table: ResponseTable,
    private readonly options: Required<SyncOptions>,
    retry: Required<RetryOptions>,
    private readonly log: ThrottledLogger,
    private readonly hooks: SyncHooks,
    private readonly clock: () => number = Date.now,
  ) {
    this.#backoff = new Backoff(retry);
  }

  get ready(): boolean {
    return this.#ready;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#loop ??= this.#run();
    this.#rulesTimer = setInterval(() => void this.#refreshRules().catch((error: unknown) => this.#unexpected(error)), this.options.rulesRefreshMillis);
    this.#rulesTimer.unref();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    clearInterval(this.#rulesTimer);
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let step: Step;
      try {
        step = this.#cursor === undefined ? await this.#load() : await this.#poll();
      } catch (error) {
        // A bug of the agent's own must not end the loop, nor become an unhandled rejection.
        this.#unexpected(error);
        step = { retryInMs: this.#backoff.next() };
      }
      if (step === 'ok') {
        this.#backoff.reset();
        continue;
      }
      this.#connected = false;
      await sleep(step.retryInMs, signal);
    }
  }

  /** Step 1: the pack, the active responses (replacing what the table holds) and a cursor. */
  async #load(): Promise<Step> {
    const outcome = await this.client.request({ method: 'GET', path: '/v1/agent/rules', timeoutMs: this.options.requestTimeoutMillis, signal: this.#abort.signal });
    const page = this.#page(outcome, 'GET /v1/agent/rules');
    if (!('body' in page)) return page;
    const responses = this.#responses(page.body.responses);
    if (responses === undefined || typeof page.body.cursor !== 'string') return this.#failed('GET /v1/agent/rules answered without responses and a cursor', undefined);
    this.#pack(page.body.pack, page.etag);
    this.table.replaceAll(responses, this.clock());
    this.#cursor = page.body.cursor;
    this.#connected = true;
    if (!this.#ready) {
      this.#ready = true;
      this.#markReady();
    }
    return 'ok';
  }

  /** Step 2: the changes since the cursor, held open until there are some. */
  async #poll(): Promise<Step> {
    const wait = this.options.waitSeconds;
    const path = `/v1/agent/responses?since=${encodeURIComponent(this.#cursor as string)}&wait=${wait}`;
    const outcome = await this.client.request({ method: 'GET', path, timeoutMs: wait * 1000 + this.options.requestTimeoutMillis, signal: this.#abort.signal });
    if (outcome.ok && outcome.status === 400 && outcome.body.includes('"invalid_cursor"')) {
      this.log.log('warn', 'cursor', {}, 'Riposte no longer accepts the agent\'s cursor; loading the active responses again');
      this.#cursor = undefined;
      return 'ok';
    }
    const page = this.#page(outcome, 'GET /v1/agent/responses');
    if (!('body' in page)) return page;
    const responses = this.#responses(page.body.responses);
    if (responses === undefined || typeof page.body.cursor !== 'string') return this.#failed('GET /v1/agent/responses answered without responses and a cursor', undefined);
    const now = this.clock();
    for (const r of responses) this.table.apply(r, now);
    this.#cursor = page.body.cursor;
    this.#connected = true;
    return 'ok';
  }

  /** Step 3: a new rules pack, if there is one. Its responses are not used: the feed brings those. */
  async #refreshRules(): Promise<void> {
    if (!this.#ready || this.#abort.signal.aborted) return;
    const headers: Record<string, string> = this.#etag === undefined ? {} : { 'if-none-match': this.#etag };
    const outcome = await this.client.request({ method: 'GET', path: '/v1/agent/rules', headers, timeoutMs: this.options.requestTimeoutMillis, signal: this.#abort.signal });
    if (!outcome.ok || outcome.status === 304) return;
    const page = this.#page(outcome, 'GET /v1/agent/rules');
    if ('body' in page) this.#pack(page.body.pack, page.etag);
  }

  #pack(pack: unknown, etag: string | undefined): void {
    this.#etag = etag;
    const text = JSON.stringify(pack);
    if (text === this.#packText) return;
    this.#packText = text;
    this.hooks.onPack(pack);
  }

  /** The answer's JSON body, or when to try again. */
  #page(outcome: HttpOutcome, what: string): { body: Page; etag: string | undefined } | { retryInMs: number } {
    if (!outcome.ok) return this.#failed(`${what} failed: ${outcome.error.message}`, undefined, outcome.aborted);
    if (outcome.status !== 200) {
      const hint = outcome.status === 401 ? ' (the agent token is not valid for this Riposte: options.token)' : '';
      return this.#failed(`${what} answered ${outcome.status}${hint}: ${outcome.body.slice(0, 300)}`, retryAfterMillis(outcome.headers['retry-after'], this.clock()));
    }
    const body = parsePage(outcome.body);
    if (body === undefined) return this.#failed(`${what} answered something that is not JSON`, undefined);
    const etag = outcome.headers.etag;
    return { body, etag: typeof etag === 'string' ? etag : undefined };
  }

  #responses(list: unknown): RiposteResponse[] | undefined {
    if (!Array.isArray(list)) return undefined;
    const out: RiposteResponse[] = [];
    for (const item of list) {
      const r = readResponse(item);
      if (typeof r === 'string') this.log.log('warn', 'bad-response', { problem: r }, 'skipped a response the agent cannot read');
      else out.push(r);
    }
    return out;
  }

  #unexpected(error: unknown): void {
    this.log.log('error', 'sync-bug', { err: error }, 'following Riposte failed unexpectedly; trying again');
  }

  #failed(message: string, retryAfter: number | undefined, aborted = false): { retryInMs: number } {
    const retryInMs = Math.max(100, retryAfter ?? this.#backoff.next());
    if (!aborted) this.log.log('warn', 'sync-failed', { retryInMs }, `${message}; enforcing the responses already known meanwhile`);
    return { retryInMs };
  }
}
