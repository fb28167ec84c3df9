/**
 * Prometheus metrics of the response write path: the store's puts, what the queued sink sent to the
 * retry queue, the digester's attempts, and the queue's depth. The components keep plain counters
 * (incremented where things happen, no metrics library on the write path); the metrics copy them
 * when scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/ports';
import type { DigesterStats } from '../retry/digester';
import type { RetryQueue } from '../retry/retry-queue';
import type { StoreStats } from '../sinks/dynamodb/responses-store';
import type { QueuedSinkStats } from '../sinks/queued-sink';

export interface WritePathParts {
  /** Stats of every store instance writing responses (the sink's and the digester's). */
  stores: readonly { stats: StoreStats }[];
  sink?: { stats: QueuedSinkStats };
  digester?: { stats: DigesterStats };
  queue?: RetryQueue;
  logger?: Logger;
}

export function registerWritePathMetrics(registry: Registry, parts: WritePathParts): void {
  const sum = (pick: (s: StoreStats) => number): number => parts.stores.reduce((n, s) => n + pick(s.stats), 0);

  new Counter({
    name: 'riposte_response_puts_total',
    help: 'Conditional puts of responses to DynamoDB, by outcome: written (new item), existed (already written: replay or retry), failed (after the SDK retries).',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ outcome: 'written' }, sum((s) => s.written));
      this.inc({ outcome: 'existed' }, sum((s) => s.existed));
      this.inc({ outcome: 'failed' }, sum((s) => s.failed));
    },
  });

  if (parts.sink !== undefined) {
    const sink = parts.sink;
    new Counter({
      name: 'riposte_responses_queued_total',
      help: 'Responses whose write failed and that went to the retry queue.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sink.stats.queued);
      },
    });
    new Counter({
      name: 'riposte_response_writes_rejected_total',
      help: 'Response writes that failed with no retry queue to take them (the driver retries the batch).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(sink.stats.rejected);
      },
    });
  }

  if (parts.digester !== undefined) {
    const digester = parts.digester;
    new Counter({
      name: 'riposte_retry_attempts_total',
      help: 'Digester attempts at queued responses, by outcome: landed, existed (an earlier attempt had landed), retried (failed again, delayed), invalid (not a response).',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const s = digester.stats;
        this.inc({ outcome: 'landed' }, s.landed);
        this.inc({ outcome: 'existed' }, s.existed);
        this.inc({ outcome: 'retried' }, s.retried);
        this.inc({ outcome: 'invalid' }, s.invalid);
      },
    });
    new Counter({
      name: 'riposte_retry_queue_errors_total',
      help: 'Retry queue operations (receive, acknowledge, delay) that failed.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(digester.stats.queueErrors);
      },
    });
  }

  if (parts.queue !== undefined) {
    const queue = parts.queue;
    new Gauge({
      name: 'riposte_retry_queue_depth',
      help: 'Responses waiting in the retry queue or being retried (approximate on SQS).',
      labelNames: ['backend'] as const,
      registers: [registry],
      async collect() {
        try {
          this.set({ backend: queue.kind }, await queue.depth());
        } catch (error) {
          // A scrape must not fail because the queue is unreachable; the gauge keeps its last value.
          parts.logger?.warn({ err: error, backend: queue.kind }, 'could not read the retry queue depth');
        }
      },
    });
  }
}
