/**
 * Drains the retry queue into the responses table: receives due messages, writes their responses
 * with the store's conditional put, acknowledges those that landed (or were there already), and
 * hides the others for an exponentially growing, jittered delay. It acknowledges only after the
 * write, so a digester killed at any point leaves its messages to reappear when their visibility
 * timeout ends: nothing is lost, and the second write of a response that had landed changes nothing.
 *
 * Several digesters (one per process) may drain one queue: a received message is hidden from the
 * others. A message whose body is not a response is never dropped either; it is logged and retried
 * at the longest delay, for an operator (or the SQS redrive policy) to deal with.
 */
import { catchError, defer, EMPTY, expand, lastValueFrom, of, switchMap, takeUntil, throwError, timer } from 'rxjs';
import { type Logger, silentLogger } from '../core/ports';
import { jitteredDelay } from '../shared/backoff';
import { abortOf } from '../shared/rx';
import { SecurityResponseSchema, type SecurityResponse } from '../core/response';
import type { SettledWriter } from '../sinks/dynamodb/responses-store';
import type { RetryDelivery, RetryQueue } from './retry-queue';

export interface DigesterOptions {
  /** Messages received per round. */
  batchSize?: number;
  /** Delay before the second attempt (ms); doubles with each receive. */
  baseDelayMs?: number;
  /** Longest delay between attempts (ms). */
  maxDelayMs?: number;
  /** Pause after a round that found nothing to do, or after a queue error (ms). */
  idleMs?: number;
  logger?: Logger;
  random?: () => number;
  /**
   * Called after each round with the responses now in the table (landed, or found there: a put the
   * engine saw fail may have landed, and nobody announced it), to drop the agent API's cached reads
   * and wake waiting agents. A failure is logged, not retried.
   */
  onLanded?: (responses: readonly SecurityResponse[]) => Promise<void>;
  /**
   * Called if the digester stops on an error it does not recover from (a bug: queue and store errors
   * are retried), so that the process can say so and stop instead of leaving queued responses unwritten.
   */
  onFailed?: (error: unknown) => void;
}

export class DigesterStats {
  received = 0;
  /** Responses the digester wrote into the table. */
  landed = 0;
  /** Responses already in the table (an earlier attempt had landed). */
  existed = 0;
  /** Attempts that failed again and were put back with a delay. */
  retried = 0;
  /** Messages whose body is not a response. */
  invalid = 0;
  /** Queue operations that failed (receive, ack, retryLater). */
  queueErrors = 0;
}

export class Digester {
  readonly stats = new DigesterStats();
  private readonly batchSize: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly idleMs: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly onLanded: ((responses: readonly SecurityResponse[]) => Promise<void>) | undefined;
  private readonly onFailed: ((error: unknown) => void) | undefined;
  private controller: AbortController | null = null;
  private loop: Promise<unknown> | null = null;

  constructor(
    private readonly queue: RetryQueue,
    private readonly store: SettledWriter,
    options: DigesterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.idleMs = options.idleMs ?? 1000;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.onLanded = options.onLanded;
    this.onFailed = options.onFailed;
  }

  /** Starts draining in the background until `stop()`. */
  start(): void {
    if (this.loop !== null) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = this.run(controller.signal).catch((error: unknown) => {
      this.logger.error({ err: error }, 'the digester stopped on an unexpected error; queued responses are no longer written');
      this.onFailed?.(error);
    });
  }

  /** Stops after the current round; messages it holds come back after their visibility timeout. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    this.controller = null;
  }

  /** One round: receive, write, acknowledge or delay. Returns how many messages it received. */
  async runOnce(signal?: AbortSignal): Promise<number> {
    let deliveries: readonly RetryDelivery[];
    try {
      deliveries = await this.queue.receive(this.batchSize, signal);
    } catch (error) {
      throw new QueueReceiveFailed(error);
    }
    if (deliveries.length === 0) return 0;
    this.stats.received += deliveries.length;

    const valid: { delivery: RetryDelivery; response: SecurityResponse }[] = [];
    for (const delivery of deliveries) {
      const response = parseBody(delivery.body);
      if (typeof response === 'string') {
        this.stats.invalid++;
        this.logger.error({ receiveCount: delivery.receiveCount, problem: response, preview: delivery.body.slice(0, 200) }, 'retry queue message is not a security response; kept for an operator');
        await this.settle(() => this.queue.retryLater(delivery, this.maxDelayMs));
      } else {
        valid.push({ delivery, response });
      }
    }

    const outcomes = await this.store.writeSettled(valid.map((v) => v.response));
    await Promise.all(
      outcomes.map((outcome, i) => {
        const { delivery } = valid[i]!;
        if (outcome.status === 'failed') {
          this.stats.retried++;
          const delayMs = this.delayAfter(delivery.receiveCount);
          this.logger.warn({ appId: outcome.response.appId, id: outcome.response.id, receiveCount: delivery.receiveCount, delayMs, err: outcome.error }, 'response write failed again; retrying later');
          return this.settle(() => this.queue.retryLater(delivery, delayMs));
        }
        if (outcome.status === 'written') this.stats.landed++;
        else this.stats.existed++;
        return this.settle(() => this.queue.ack(delivery));
      }),
    );
    const landed = outcomes.filter((o) => o.status !== 'failed').map((o) => o.response);
    if (landed.length > 0 && this.onLanded !== undefined) {
      try {
        await this.onLanded(landed);
      } catch (error) {
        this.logger.warn({ err: error, count: landed.length }, 'onLanded hook failed after the responses were written');
      }
    }
    return deliveries.length;
  }

  /** The delay before the next attempt at a message received `receiveCount` times: base · 2^(receiveCount−1), capped, jittered. */
  delayAfter(receiveCount: number): number {
    return jitteredDelay(receiveCount - 1, { initialMs: this.baseDelayMs, maxMs: this.maxDelayMs }, this.random);
  }

  /**
   * Rounds until `signal` aborts: the next at once after a round that received something, after
   * `idleMs` after one that found nothing or failed. The abort ends the idle wait at once; a round in
   * flight is finished (its receive aborted, its writes acknowledged).
   */
  private run(signal: AbortSignal): Promise<unknown> {
    const round = defer(() => this.runOnce(signal)).pipe(
      catchError((error: unknown) => {
        // Only the queue being unreachable is retried here; anything else (a store that throws
        // instead of reporting outcomes, a bug) ends the loop and reaches onFailed through start().
        if (!(error instanceof QueueReceiveFailed) && !signal.aborted) return throwError(() => error);
        if (!signal.aborted) {
          this.stats.queueErrors++;
          this.logger.error({ err: error instanceof QueueReceiveFailed ? error.cause : error }, 'retry queue receive failed; trying again');
        }
        return of(0);
      }),
    );
    const idle = timer(this.idleMs).pipe(takeUntil(abortOf(signal)));
    const rounds = round.pipe(expand((received) => (signal.aborted ? EMPTY : received > 0 ? round : idle.pipe(switchMap(() => round)))));
    return lastValueFrom(rounds, { defaultValue: 0 });
  }

  /** A failed ack or delay is not fatal: the message reappears after its visibility timeout. */
  private async settle(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this.stats.queueErrors++;
      this.logger.warn({ err: error }, 'retry queue acknowledgement failed; the message will reappear');
    }
  }
}

/** The queue's receive failed (the queue is unreachable): a round to try again, not a fault of the digester. */
export class QueueReceiveFailed extends Error {
  constructor(cause: unknown) {
    super(`retry queue receive failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'QueueReceiveFailed';
  }
}

function parseBody(body: string): SecurityResponse | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const parsed = SecurityResponseSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  return parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}
