/**
 * The retry queue on Amazon SQS (production). A standard queue is enough: delivery is at least once
 * and the store's conditional put makes duplicates harmless; ordering does not matter. The digester's
 * backoff is ChangeMessageVisibility on the receipt handle; a digester that dies leaves its messages
 * in flight until their visibility timeout ends, then they come back. Messages that keep failing
 * are the queue's redrive policy's business (a dead-letter queue after maxReceiveCount), if the
 * operator sets one — Riposte does not delete what it could not write.
 *
 * Endpoint, region and credentials come from the SDK's own configuration (AWS_ENDPOINT_URL_SQS,
 * AWS_REGION, the default chain); the queue URL is a Riposte setting (RIPOSTE_RETRY_QUEUE_URL).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SecurityResponse } from '../core/response';
import { mapBounded } from '../shared/map-bounded';
import { encodeResponse, type RetryDelivery, type RetryQueue } from './retry-queue';

export interface SqsRetryQueueOptions {
  /** How long a received message stays hidden before another digester may take it (s, 0–43200). */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait of ReceiveMessage (s, 0–20). */
  waitTimeSeconds?: number;
  /** Destroy the client on `close()` (when the queue was given a client of its own). */
  ownsClient?: boolean;
}

/** SQS caps a visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

export class SqsRetryQueue implements RetryQueue {
  readonly kind = 'sqs';
  private readonly visibilityTimeoutSeconds: number;
  private readonly waitTimeSeconds: number;
  private readonly ownsClient: boolean;

  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    options: SqsRetryQueueOptions = {},
  ) {
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 60;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 10;
    this.ownsClient = options.ownsClient ?? false;
    if (!Number.isInteger(this.visibilityTimeoutSeconds) || this.visibilityTimeoutSeconds < 0 || this.visibilityTimeoutSeconds > MAX_VISIBILITY_SECONDS) {
      throw new Error(`visibilityTimeoutSeconds: ${this.visibilityTimeoutSeconds} is not allowed; SQS accepts whole seconds from 0 to ${MAX_VISIBILITY_SECONDS}`);
    }
    if (!Number.isInteger(this.waitTimeSeconds) || this.waitTimeSeconds < 0 || this.waitTimeSeconds > 20) {
      throw new Error(`waitTimeSeconds: ${this.waitTimeSeconds} is not allowed; SQS accepts whole seconds from 0 to 20`);
    }
  }

  /** One SendMessage per response, a few in flight at once; rejects if any send fails (after the SDK's retries). */
  async enqueue(responses: readonly SecurityResponse[]): Promise<void> {
    await mapBounded(responses, 10, (r) => this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: encodeResponse(r) })));
  }

  async receive(max: number, signal?: AbortSignal): Promise<RetryDelivery[]> {
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
        VisibilityTimeout: this.visibilityTimeoutSeconds,
        WaitTimeSeconds: this.waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    const out: RetryDelivery[] = [];
    for (const m of Messages ?? []) {
      if (m.ReceiptHandle === undefined || m.Body === undefined) continue;
      out.push({ handle: m.ReceiptHandle, body: m.Body, receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1) });
    }
    return out;
  }

  async ack(delivery: RetryDelivery): Promise<void> {
    await this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: delivery.handle }));
  }

  async retryLater(delivery: RetryDelivery, delayMs: number): Promise<void> {
    const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: delivery.handle, VisibilityTimeout: seconds }));
  }

  /** Visible + in flight + delayed, as SQS approximates them. */
  async depth(): Promise<number> {
    const { Attributes } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }
}
