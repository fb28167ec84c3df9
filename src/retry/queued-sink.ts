/**
 * The sink the drivers write through: the DynamoDB store first, and for each response whose write
 * still failed after the SDK's retries, the retry queue. `write` resolves once every response is
 * durable — in the table or in the queue — so the driver may checkpoint past it; the digester lands
 * the queued ones later. Without a queue (none configured), or when the queue refuses too, `write`
 * rejects: the driver must not checkpoint, and retries the batch (the conditional put makes the
 * second attempt write only what is missing).
 */
import { type Logger, type ResponseSink, silentLogger } from '../core/ports';
import type { SecurityResponse } from '../core/response';
import type { RetryQueue } from './retry-queue';
import { errorText, ResponseWriteError, type SettledWriter } from '../sinks/dynamodb/responses-store';

export class QueuedSinkStats {
  /** Responses whose write failed and that went to the retry queue. */
  queued = 0;
  /** `write` calls that rejected (nothing queued, or the queue failed too). */
  rejected = 0;
}

export class QueuedResponseSink implements ResponseSink {
  readonly stats = new QueuedSinkStats();

  constructor(
    private readonly store: SettledWriter,
    private readonly queue: RetryQueue | undefined,
    private readonly logger: Logger = silentLogger,
  ) {}

  async write(responses: readonly SecurityResponse[]): Promise<void> {
    const error = ResponseWriteError.fromOutcomes(await this.store.writeSettled(responses));
    if (error === undefined) return;
    if (this.queue === undefined) {
      this.stats.rejected++;
      throw error;
    }
    const unwritten = error.failed;
    try {
      await this.queue.enqueue(unwritten);
    } catch (queueError) {
      this.stats.rejected++;
      throw new ResponseWriteError(unwritten, new AggregateError([error.cause, queueError], `the ${this.queue.kind} retry queue refused them too: ${errorText(queueError)}`));
    }
    this.stats.queued += unwritten.length;
    this.logger.warn(
      { queued: unwritten.length, of: responses.length, queue: this.queue.kind, err: error.cause },
      'response writes failed after the SDK retries; queued for the digester',
    );
  }
}
