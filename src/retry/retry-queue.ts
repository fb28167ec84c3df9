/**
 * Where a response goes when its write still fails after the SDK's retries, until the digester lands
 * it. Both backends (Redis, SQS) have the same semantics, SQS's: a received message is hidden for a
 * visibility timeout and comes back unless it is acknowledged, so a digester that dies mid-retry
 * loses nothing — its messages reappear for the next one. Delivery is at least once; the store's
 * conditional put makes a second delivery harmless.
 */
import type { SecurityResponse } from '../core/response';

export interface RetryDelivery {
  /** What `ack` and `retryLater` need (Redis: the entry and its lease; SQS: the receipt handle). */
  readonly handle: string;
  /** The message as it was enqueued: a SecurityResponse as JSON, parsed and checked by the digester. */
  readonly body: string;
  /** Times the message was received, this time included: 1 on the first attempt. */
  readonly receiveCount: number;
}

export interface RetryQueue {
  readonly kind: 'redis' | 'sqs';
  /** Resolves once every response is durably queued; rejects otherwise (the caller must not checkpoint). */
  enqueue(responses: readonly SecurityResponse[]): Promise<void>;
  /** Up to `max` messages that are due, each hidden from other receivers for the visibility timeout. */
  receive(max: number, signal?: AbortSignal): Promise<RetryDelivery[]>;
  /** Removes a message for good: its response is in the table. */
  ack(delivery: RetryDelivery): Promise<void>;
  /** Hides the message for `delayMs` from now: the digester's backoff before the next attempt. */
  retryLater(delivery: RetryDelivery, delayMs: number): Promise<void>;
  /** Messages in the queue, in flight or waiting (approximate for SQS). */
  depth(): Promise<number>;
  /** Releases connections the queue opened itself. */
  close(): Promise<void>;
}

/** The message body of a response: its JSON. */
export function encodeResponse(response: SecurityResponse): string {
  return JSON.stringify(response);
}
