/**
 * Sends events to `POST /v1/events` in batches, after OpenTelemetry's BatchSpanProcessor and
 * Sentry's transport:
 * - four knobs: the queue's size, the batch's size, how long an event waits for company, and how
 *   long one send may take (options.ts has the defaults);
 * - `add()` is synchronous and O(1): the application's request never waits on the network, and a
 *   full queue drops its oldest event (counted) instead of growing or blocking;
 * - one batch in flight at a time, so events leave in the order they came;
 * - a batch that fails (network error, timeout, 5xx, 429, 503) goes back to the front of the queue
 *   and is sent again after the server's `Retry-After`, or a backoff; its events keep their ids, so
 *   Riposte counts a batch that arrived twice once. A 503 that names the events the stream refused
 *   gets only those sent again;
 * - what Riposte refuses for good (an event it rejects, a wrong token) is counted and logged, not retried.
 */
import { Backoff, retryAfterMillis, sleep } from './backoff';
import { BoundedQueue } from './event-queue';
import type { AgentEvent } from './events';
import type { HttpClient } from './http-client';
import type { ThrottledLogger } from './logger';
import type { BatchOptions, RetryOptions } from './options';
import type { EventCounters } from './stats';

/** What the ingest API takes: 1 MiB a request, 32 KiB an event. Room is left for the envelope. */
export const MAX_BODY_BYTES = 1024 * 1024 - 1024;
export const MAX_EVENT_BYTES = 32 * 1024;

const MIN_RETRY_MS = 100;

type Sent = 'progress' | 'retry';

interface IngestAnswer {
  accepted?: number;
  rejected?: { index: number; reason: string }[];
  failed?: number[];
}

function readAnswer(body: string): IngestAnswer {
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as IngestAnswer) : {};
  } catch {
    return {};
  }
}

export class EventExporter {
  readonly #queue: BoundedQueue<AgentEvent>;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #running: Promise<void> | undefined;
  #sending = 0;
  /** Not before this time (ms): a Retry-After or a backoff. */
  #retryAt = 0;
  #closed = false;

  constructor(
    private readonly client: HttpClient,
    private readonly options: Required<BatchOptions>,
    retry: Required<RetryOptions>,
    private readonly log: ThrottledLogger,
    private readonly counters: EventCounters,
    private readonly clock: () => number = Date.now,
  ) {
    this.#queue = new BoundedQueue(options.maxQueueSize);
    this.#backoff = new Backoff(retry);
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Events of the batch being sent now. */
  get sending(): number {
    return this.#sending;
  }

  add(event: AgentEvent): void {
    if (this.#closed) {
      this.counters.dropped += 1;
      return;
    }
    this.counters.dropped += this.#queue.push(event);
    this.#schedule(this.#queue.length >= this.options.maxExportBatchSize ? 0 : this.options.scheduledDelayMillis);
  }

  /**
   * Sends what is queued, within `timeoutMs`, and stops; events added afterwards are dropped.
   * Resolves true when every event was delivered (or refused for good), never rejects.
   */
  async close(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return this.#queue.length === 0;
    this.#closed = true;
    clearTimeout(this.#timer);
    const deadline = this.clock() + timeoutMs;
    const stop = setTimeout(() => this.#abort.abort(), timeoutMs);
    try {
      await this.#running;
      while (this.#queue.length > 0 && this.clock() < deadline) {
        const wait = Math.min(this.#retryAt, deadline) - this.clock();
        if (wait > 0) await sleep(wait, this.#abort.signal, true);
        if (this.clock() >= deadline) break;
        await this.#sendBatch(true, Math.min(this.options.exportTimeoutMillis, deadline - this.clock()));
      }
    } finally {
      clearTimeout(stop);
    }
    const left = this.#queue.take(this.#queue.length).length;
    if (left > 0) {
      this.counters.dropped += left;
      this.log.log('warn', 'close', { undelivered: left }, `closed with ${left} events Riposte did not receive in ${timeoutMs} ms`);
    }
    return left === 0;
  }

  #schedule(delayMs: number): void {
    if (this.#running !== undefined || this.#closed) return; // the send in flight schedules the next one
    const at = Math.max(this.clock() + delayMs, this.#retryAt);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#run(), at - this.clock());
    this.#timer.unref();
  }

  #run(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#running !== undefined || this.#closed) return;
    // A bug of the agent's own must not become an unhandled rejection: that would end the application.
    this.#running = this.#drain().catch((error: unknown) => this.log.log('error', 'exporter', { err: error }, 'sending events failed unexpectedly')).finally(() => {
      this.#running = undefined;
      if (this.#queue.length > 0) {
        this.#schedule(this.#queue.length >= this.options.maxExportBatchSize ? 0 : this.options.scheduledDelayMillis);
      }
    });
  }

  /** Sends full batches while there are any, and one partial batch (the timer fired for it). */
  async #drain(): Promise<void> {
    do {
      if ((await this.#sendBatch(false, this.options.exportTimeoutMillis)) === 'retry') return;
    } while (this.#queue.length >= this.options.maxExportBatchSize && !this.#closed);
  }

  /** The next batch, as many events as fit in one request. */
  #takeBatch(): { events: AgentEvent[]; body: string } {
    const events = this.#queue.take(this.options.maxExportBatchSize);
    const parts: string[] = [];
    const kept: AgentEvent[] = [];
    let bytes = 12; // {"events":[]}
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as AgentEvent;
      const json = JSON.stringify(event);
      const size = Buffer.byteLength(json) + 1;
      if (size > MAX_EVENT_BYTES) {
        this.counters.rejected += 1;
        this.log.log('warn', 'event-too-large', { type: event.type, bytes: size }, `an event of ${size} bytes was not sent: Riposte takes at most ${MAX_EVENT_BYTES} (keep props small)`);
        continue;
      }
      if (bytes + size > MAX_BODY_BYTES && kept.length > 0) {
        this.#queue.putBack(events.slice(i));
        break;
      }
      bytes += size;
      parts.push(json);
      kept.push(event);
    }
    return { events: kept, body: `{"events":[${parts.join(',')}]}` };
  }

  async #sendBatch(keepProcessAlive: boolean, timeoutMs: number): Promise<Sent> {
    const { events, body } = this.#takeBatch();
    if (events.length === 0) return 'progress';
    this.#sending = events.length;
    const outcome = await this.client.request({ method: 'POST', path: '/v1/events', body, timeoutMs, keepProcessAlive, signal: this.#abort.signal });
    this.#sending = 0;
    if (!outcome.ok) return this.#retry(events, undefined, `POST /v1/events failed: ${outcome.error.message}`);
    const { status } = outcome;
    const answer = readAnswer(outcome.body);
    if (status === 202) {
      this.#backoff.reset();
      const rejected = answer.rejected ?? [];
      this.counters.sent += events.length - rejected.length;
      this.#rejected(rejected);
      return 'progress';
    }
    const retryAfter = retryAfterMillis(outcome.headers['retry-after'], this.clock());
    if (status === 503 && Array.isArray(answer.failed)) {
      // The stream took some of the batch: only the others go again.
      const failed = new Set(answer.failed);
      const rejected = answer.rejected ?? [];
      this.counters.sent += events.length - failed.size - rejected.length;
      this.#rejected(rejected);
      return this.#retry(events.filter((_, i) => failed.has(i)), retryAfter, `Riposte could not put ${failed.size} events on its stream (503)`);
    }
    if (status === 429 || status >= 500) return this.#retry(events, retryAfter, `POST /v1/events answered ${status}: ${outcome.body.slice(0, 300)}`);
    if (status === 400 && Array.isArray(answer.rejected)) {
      this.counters.rejected += events.length;
      this.#rejected(answer.rejected, events.length);
      return 'progress';
    }
    this.counters.refused += events.length;
    const hint = status === 401 ? ': the agent token is not valid for this Riposte (options.token, or `riposte apps rotate` since?)' : '';
    this.log.log('error', `refused-${status}`, { status, events: events.length }, `Riposte refused a batch of events${hint}: ${outcome.body.slice(0, 300)}`);
    return 'progress';
  }

  #rejected(rejected: { index: number; reason: string }[], counted?: number): void {
    if (counted === undefined) this.counters.rejected += rejected.length;
    const first = rejected[0];
    if (first !== undefined) {
      this.log.log('warn', 'rejected', { rejected: rejected.length, reason: first.reason }, 'Riposte rejected events (the first reason is given)');
    }
  }

  #retry(events: AgentEvent[], retryAfter: number | undefined, message: string): Sent {
    this.counters.retried += 1;
    this.counters.dropped += this.#queue.putBack(events);
    // A Retry-After of 0 still waits a moment: a loop of instant retries helps nobody.
    const delay = Math.max(MIN_RETRY_MS, retryAfter ?? this.#backoff.next());
    this.#retryAt = this.clock() + delay;
    this.log.log('warn', 'send-failed', { retryInMs: delay, queued: this.#queue.length }, `${message}; sending again later`);
    return 'retry';
  }
}
