/**
 * A small HTTP server that plays one Amazon SQS standard queue over the AWS JSON 1.0 protocol, the
 * protocol @aws-sdk/client-sqs speaks today. No emulator installed here speaks it (they answer the
 * older query/XML protocol), so the SQS retry queue is tested against this server; it enforces the
 * wire format and the queue semantics the retry queue relies on.
 *
 * Wire format, from AWS's documentation and the SDK's own source:
 * - Requests are `POST /` with `Content-Type: application/x-amz-json-1.0`, `X-Amz-Target:
 *   AmazonSQS.<Operation>` and a JSON body of the operation's input members; successful replies are
 *   200 with a JSON body of the output members; errors are 4xx/5xx with `{"__type":
 *   "com.amazonaws.sqs#<Code>", "message": ...}` and an `x-amzn-query-error: <legacy code>;Sender`
 *   header. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html
 * - The SDK sends `x-amzn-query-mode: true` because the SQS model is `awsQueryCompatible`
 *   (node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js, AwsJson1_0Protocol;
 *   node_modules/@aws-sdk/client-sqs/dist-cjs/index.js, `serviceTarget: "AmazonSQS"`).
 * - Members (client-sqs 3.1175 schemas `SendMessageRequest$`, `ReceiveMessageRequest$`, `Message$`,
 *   `DeleteMessageRequest$`, `ChangeMessageVisibilityRequest$`, `GetQueueAttributes*$`):
 *   SendMessage {QueueUrl, MessageBody, DelaySeconds?} → {MD5OfMessageBody, MessageId};
 *   ReceiveMessage {QueueUrl, MaxNumberOfMessages 1–10, VisibilityTimeout 0–43200, WaitTimeSeconds
 *   0–20, MessageSystemAttributeNames?, AttributeNames?} → {Messages: [{MessageId, ReceiptHandle,
 *   MD5OfBody, Body, Attributes}]} (API_ReceiveMessage.html); DeleteMessage {QueueUrl,
 *   ReceiptHandle}; ChangeMessageVisibility {QueueUrl, ReceiptHandle, VisibilityTimeout 0–43200};
 *   GetQueueAttributes {QueueUrl, AttributeNames} → {Attributes: {name: "string number"}}.
 * - The SDK checks MD5OfMessageBody and MD5OfBody against the body (@aws-sdk/middleware-sdk-sqs),
 *   so they are computed for real.
 *
 * Semantics (SQS Developer Guide, "Visibility timeout"; API_DeleteMessage, API_ChangeMessageVisibility):
 * a received message is invisible for its visibility timeout, then visible again with a new receipt
 * handle and ApproximateReceiveCount + 1; deleting with an older receipt handle of a message received
 * again since succeeds but does not delete it; ChangeMessageVisibility on a message not in flight
 * fails with MessageNotInflight. The clock can be advanced, so tests need not wait.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-server';

export interface RecordedRequest {
  target: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  visibleAt: number;
  receiveCount: number;
  /** Receipt handle of the latest receive; null before the first. */
  handle: string | null;
}

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const MEMBERS: Record<string, { required: string[]; optional: string[] }> = {
  SendMessage: { required: ['QueueUrl', 'MessageBody'], optional: ['DelaySeconds'] },
  ReceiveMessage: { required: ['QueueUrl'], optional: ['MaxNumberOfMessages', 'VisibilityTimeout', 'WaitTimeSeconds', 'MessageSystemAttributeNames', 'AttributeNames'] },
  DeleteMessage: { required: ['QueueUrl', 'ReceiptHandle'], optional: [] },
  ChangeMessageVisibility: { required: ['QueueUrl', 'ReceiptHandle', 'VisibilityTimeout'], optional: [] },
  GetQueueAttributes: { required: ['QueueUrl'], optional: ['AttributeNames'] },
};

export class FakeSqs {
  readonly requests: RecordedRequest[] = [];
  /** Requests that broke the wire format: the test asserts there are none. */
  readonly violations: string[] = [];
  queueUrl = '';
  endpoint = '';
  private readonly messages = new Map<string, StoredMessage>();
  private offsetMs = 0;
  private server: Server | null = null;
  private readonly clients: SQSClient[] = [];

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the queue's clock forward, as if `ms` had passed. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.queueUrl = `${this.endpoint}/000000000000/riposte-retry`;
    return this;
  }

  /** An SDK client for this queue, destroyed on `close()`; `overrides` win over the local settings. */
  client(overrides: SQSClientConfig = {}): SQSClient {
    const client = localSqsClient(this.endpoint, overrides);
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: Record<string, unknown> = {};
    try {
      this.checkEnvelope(req, target);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const operation = target.slice('AmazonSQS.'.length);
      this.requests.push({ target: operation, headers: req.headers, body });
      this.checkMembers(operation, body);
      const reply = await this.dispatch(operation, body, res);
      this.send(res, 200, reply);
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      res.setHeader('x-amzn-query-error', error.queryCode);
      this.send(res, error.status, { __type: `com.amazonaws.sqs#${error.code}`, message: error.message });
    }
  }

  private send(res: ServerResponse, status: number, body: object): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private checkEnvelope(req: IncomingMessage, target: string): void {
    const problems: string[] = [];
    if (req.method !== 'POST' || req.url !== '/') problems.push(`${req.method} ${req.url} (expected POST /)`);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.0') problems.push(`content-type ${req.headers['content-type']}`);
    if (!/^AmazonSQS\.[A-Za-z]+$/.test(target)) problems.push(`x-amz-target ${target}`);
    if (req.headers['x-amzn-query-mode'] !== 'true') problems.push(`x-amzn-query-mode ${req.headers['x-amzn-query-mode']}`);
    if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/sqs\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/.test(String(req.headers.authorization))) {
      problems.push(`authorization ${req.headers.authorization}`);
    }
    if (problems.length > 0) {
      this.violations.push(...problems);
      throw new SqsError(400, 'InvalidAction', 'InvalidAction;Sender', problems.join('; '));
    }
  }

  private checkMembers(operation: string, body: Record<string, unknown>): void {
    const spec = MEMBERS[operation];
    if (spec === undefined) {
      this.violations.push(`operation ${operation}`);
      throw new SqsError(400, 'UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation;Sender', `${operation} is not played by this fake`);
    }
    const problems = [
      ...spec.required.filter((m) => body[m] === undefined).map((m) => `${operation}: ${m} missing`),
      ...Object.keys(body).filter((m) => !spec.required.includes(m) && !spec.optional.includes(m)).map((m) => `${operation}: unknown member ${m}`),
    ];
    if (problems.length > 0) {
      this.violations.push(...problems);
      throw new SqsError(400, 'InvalidParameterValue', 'InvalidParameterValue;Sender', problems.join('; '));
    }
    if (body.QueueUrl !== this.queueUrl) throw new SqsError(400, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue;Sender', 'The specified queue does not exist.');
  }

  private async dispatch(operation: string, body: Record<string, unknown>, res: ServerResponse): Promise<object> {
    switch (operation) {
      case 'SendMessage': {
        const text = String(body.MessageBody);
        const delay = integer(body.DelaySeconds ?? 0, 'DelaySeconds', 0, 900);
        const message: StoredMessage = { id: randomUUID(), body: text, md5: md5(text), visibleAt: this.now() + delay * 1000, receiveCount: 0, handle: null };
        this.messages.set(message.id, message);
        return { MD5OfMessageBody: message.md5, MessageId: message.id };
      }
      case 'ReceiveMessage':
        return this.receive(body, res);
      case 'DeleteMessage': {
        // Deleting a message that is gone already succeeds: DeleteMessage is idempotent.
        if (!this.messages.has(String(body.ReceiptHandle).split('#')[0] ?? '') && String(body.ReceiptHandle).includes('#')) return {};
        const message = this.byHandle(String(body.ReceiptHandle));
        // An older handle of a message received again since: SQS answers success and keeps the message.
        if (message.handle === body.ReceiptHandle) this.messages.delete(message.id);
        return {};
      }
      case 'ChangeMessageVisibility': {
        const message = this.byHandle(String(body.ReceiptHandle));
        const seconds = integer(body.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200);
        if (message.handle !== body.ReceiptHandle || message.visibleAt <= this.now()) {
          throw new SqsError(400, 'MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight;Sender', 'Message is not in flight.');
        }
        message.visibleAt = this.now() + seconds * 1000;
        return {};
      }
      case 'GetQueueAttributes': {
        const now = this.now();
        const all = [...this.messages.values()];
        const values: Record<string, string> = {
          ApproximateNumberOfMessages: String(all.filter((m) => m.visibleAt <= now).length),
          ApproximateNumberOfMessagesNotVisible: String(all.filter((m) => m.visibleAt > now && m.handle !== null).length),
          ApproximateNumberOfMessagesDelayed: String(all.filter((m) => m.visibleAt > now && m.handle === null).length),
        };
        const names = (body.AttributeNames as string[] | undefined) ?? [];
        return { Attributes: Object.fromEntries(Object.entries(values).filter(([k]) => names.includes(k) || names.includes('All'))) };
      }
      default:
        throw new Error(`unreachable: ${operation}`);
    }
  }

  private async receive(body: Record<string, unknown>, res: ServerResponse): Promise<object> {
    const max = integer(body.MaxNumberOfMessages ?? 1, 'MaxNumberOfMessages', 1, 10);
    const visibility = integer(body.VisibilityTimeout ?? 30, 'VisibilityTimeout', 0, 43_200);
    const waitMs = integer(body.WaitTimeSeconds ?? 0, 'WaitTimeSeconds', 0, 20) * 1000;
    const names = [...((body.MessageSystemAttributeNames as string[] | undefined) ?? []), ...((body.AttributeNames as string[] | undefined) ?? [])];
    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = this.now();
      const visible = [...this.messages.values()].filter((m) => m.visibleAt <= now).slice(0, max);
      if (visible.length > 0 || Date.now() >= deadline || res.socket === null || res.socket.destroyed) {
        const Messages = visible.map((m) => {
          m.receiveCount++;
          m.handle = `${m.id}#${m.receiveCount}#${randomUUID()}`;
          m.visibleAt = now + visibility * 1000;
          const wantsCount = names.includes('ApproximateReceiveCount') || names.includes('All');
          return { MessageId: m.id, ReceiptHandle: m.handle, MD5OfBody: m.md5, Body: m.body, ...(wantsCount ? { Attributes: { ApproximateReceiveCount: String(m.receiveCount) } } : {}) };
        });
        return Messages.length > 0 ? { Messages } : {};
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private byHandle(handle: string): StoredMessage {
    const message = this.messages.get(handle.split('#')[0] ?? '');
    if (message === undefined || message.handle === null) {
      throw new SqsError(400, 'ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid;Sender', `The input receipt handle "${handle}" is not a valid receipt handle.`);
    }
    return message;
  }
}

/** A client for a FakeSqs at `endpoint`, for a process that has only its address (a child digester). */
export function localSqsClient(endpoint: string, overrides: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...overrides });
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SqsError(400, 'InvalidParameterValue', 'InvalidParameterValue;Sender', `Value ${String(value)} for parameter ${name} is invalid. Must be an integer from ${min} to ${max}.`);
  }
  return value;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}
