/**
 * Prometheus metrics of the response write path: the store's puts, what the queued sink sent to the
 * retry queue, the digester's attempts, and the queue's depth. The components keep plain counters
 * (incremented where things happen, no metrics library on the write path); the metrics copy them
 * when scraped.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../core/ports';
import type { DigesterStats } from '../retry/digester';
import type { RetryQueue } from '../retry/retry-queue';
import type { StoreStats } from '../sinks/dynamodb/responses-store';
import type { QueuedSinkStats } from '../retry/queued-sink';
import { counter } from './collected';

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

  counter(
    registry,
    'riposte_response_puts_total',
    'Conditional puts of responses to DynamoDB, by outcome: written (new item), existed (already written: replay or retry), failed (after the SDK retries).',
    ['outcome'],
    (set) => {
      for (const outcome of ['written', 'existed', 'failed'] as const) set({ outcome }, sum((s) => s[outcome]));
    },
  );

  if (parts.sink !== undefined) {
    const sink = parts.sink;
    counter(registry, 'riposte_responses_queued_total', 'Responses whose write failed and that went to the retry queue.', [], (set) => set({}, sink.stats.queued));
    counter(
      registry,
      'riposte_response_writes_rejected_total',
      'Response writes (batches) that failed and were not queued: no retry queue is configured, or it refused them too (the driver retries the batch).',
      [],
      (set) => set({}, sink.stats.rejected),
    );
  }

  if (parts.digester !== undefined) {
    const digester = parts.digester;
    counter(
      registry,
      'riposte_retry_attempts_total',
      'Digester attempts at queued responses, by outcome: landed, existed (an earlier attempt had landed), retried (failed again, delayed), invalid (not a response).',
      ['outcome'],
      (set) => {
        for (const outcome of ['landed', 'existed', 'retried', 'invalid'] as const) set({ outcome }, digester.stats[outcome]);
      },
    );
    counter(registry, 'riposte_retry_queue_errors_total', 'Retry queue operations (receive, acknowledge, delay) that failed.', [], (set) => set({}, digester.stats.queueErrors));
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
