/**
 * The responses table in DynamoDB (src/aws/tables.ts, `responsesTable`): where the engine writes
 * security responses and where the agent and admin APIs read them.
 *
 * Writes are conditional puts on the deterministic response id (`attribute_not_exists(id)`): a
 * replayed response finds its item and changes nothing, so its changeKey does not move and a
 * revoked response is never brought back. ConditionalCheckFailed therefore means "already written"
 * and counts as success — it is also what an SDK retry of a put that did land sees.
 *
 * Why parallel PutItem and not BatchWriteItem: BatchWriteItem cannot carry a condition, so a replay
 * would overwrite the item, move it in the change feed and un-revoke it. TransactWriteItems can,
 * but one existing item cancels the whole transaction, it costs twice the write units, and replays
 * are the common case after a restart. Responses are rare next to events (a batch yields a handful),
 * so a few puts in flight at once cost nothing a batch would save.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../aws/clients';
import { changeKeyOf, monotonicClock, type ResponseHistory, type ResponseReader, type ResponseSink, type StoredResponse } from '../../core/ports';
import { responseFields, type SecurityResponse } from '../../core/response';
import { mapBounded } from '../map-bounded';

export interface DynamoResponseStoreOptions {
  /**
   * How long an item outlives its expiry, in seconds, before the table's TTL may delete it: the
   * longest repeat-offender look-back any application uses. Default 90 days, the largest look-back
   * an application may configure (src/config/app-config.ts).
   */
  retentionSeconds?: number;
  /** Time of writes and revocations (epoch ms): the changeKey's first part. */
  clock?: () => number;
  /** Conditional puts in flight at once within one `write`. */
  concurrency?: number;
}

const DEFAULT_RETENTION_SECONDS = 90 * 86400;

/** Outcome of one response's write. */
export type PutOutcome =
  | { response: SecurityResponse; status: 'written' | 'exists' }
  | { response: SecurityResponse; status: 'failed'; error: unknown };

/** A write that reports each response's outcome: what the queued sink and the digester need of the store. */
export interface SettledWriter {
  writeSettled(responses: readonly SecurityResponse[]): Promise<PutOutcome[]>;
}

/** Thrown by `write` when some responses could not be written; `failed` names them, `cause` is the first error. */
export class ResponseWriteError extends Error {
  constructor(
    readonly failed: readonly SecurityResponse[],
    cause: unknown,
  ) {
    super(`${failed.length} response write(s) failed (first: ${failed[0]?.appId}/${failed[0]?.id}): ${errorText(cause)}`, { cause });
    this.name = 'ResponseWriteError';
  }

  /** The error naming the failed outcomes of a settled write, with the first failure as cause; undefined when none failed. */
  static fromOutcomes(outcomes: readonly PutOutcome[]): ResponseWriteError | undefined {
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length === 0) return undefined;
    return new ResponseWriteError(
      failed.map((o) => o.response),
      failed[0]!.error,
    );
  }
}

/** Counters for the metrics endpoint, read when scraped. */
export class StoreStats {
  /** Responses that created their item. */
  written = 0;
  /** Responses whose item was there already (replays, retries that had landed). */
  existed = 0;
  /** Puts that still failed after the SDK's retries. */
  failed = 0;

  /** Conditional puts completed (one per response per write call). */
  get puts(): number {
    return this.written + this.existed + this.failed;
  }
}

/** The item: the response, its expiry as a number for the byExpiry index, its place in the change feed, and its TTL. */
interface ResponseItem extends SecurityResponse {
  expiresAtMs: number;
  changeKey: string;
  updatedAtMs: number;
  /** Epoch seconds after which DynamoDB may delete the item. */
  ttl: number;
  revokedAt?: string;
}

export class DynamoResponseStore implements ResponseSink, ResponseHistory, ResponseReader, SettledWriter {
  readonly stats = new StoreStats();
  private readonly doc: DynamoDBDocumentClient;
  private readonly retentionSeconds: number;
  /** Change-key times: strictly increasing within this store, not across processes. */
  private readonly tick: () => number;
  private readonly concurrency: number;

  constructor(
    client: DynamoDBClient | DynamoDBDocumentClient,
    readonly tableName: string,
    options: DynamoResponseStoreOptions = {},
  ) {
    this.doc = client instanceof DynamoDBDocumentClient ? client : documentClient(client);
    this.retentionSeconds = options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS;
    this.tick = monotonicClock(options.clock ?? Date.now);
    this.concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(this.retentionSeconds) || this.retentionSeconds < 0) {
      throw new Error(`retentionSeconds: ${this.retentionSeconds} is not allowed; expected a whole number of seconds >= 0`);
    }
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new Error(`concurrency: ${this.concurrency} is not allowed; expected a whole number >= 1`);
    }
  }

  /** Resolves once every response is in the table; rejects with ResponseWriteError naming those that are not. */
  async write(responses: readonly SecurityResponse[]): Promise<void> {
    const error = ResponseWriteError.fromOutcomes(await this.writeSettled(responses));
    if (error !== undefined) throw error;
  }

  /** Writes each response and says what became of it; never rejects. */
  async writeSettled(responses: readonly SecurityResponse[]): Promise<PutOutcome[]> {
    return mapBounded(responses, this.concurrency, async (response): Promise<PutOutcome> => {
      try {
        return { response, status: await this.put(response) };
      } catch (error) {
        return { response, status: 'failed', error };
      }
    });
  }

  /** One conditional put: 'written' when it created the item, 'exists' when the id was there already. */
  async put(response: SecurityResponse): Promise<'written' | 'exists'> {
    const expiresAtMs = Date.parse(response.expiresAt);
    if (Number.isNaN(expiresAtMs)) {
      throw new Error(`response ${response.appId}/${response.id}: expiresAt ${JSON.stringify(response.expiresAt)} is not an ISO date`);
    }
    const updatedAtMs = this.tick();
    const item: ResponseItem = {
      ...responseFields(response),
      expiresAtMs,
      changeKey: changeKeyOf(updatedAtMs, response.id),
      updatedAtMs,
      ttl: Math.ceil(expiresAtMs / 1000) + this.retentionSeconds,
    };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(id)' }));
      this.stats.written++;
      return 'written';
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        this.stats.existed++;
        return 'exists';
      }
      this.stats.failed++;
      throw error;
    }
  }

  /** Every response of `appId` expiring at or after `sinceMs`, revoked ones included (ResponseHistory). */
  async recent(appId: string, sinceMs: number): Promise<readonly SecurityResponse[]> {
    return this.queryAll({
      IndexName: 'byExpiry',
      KeyConditionExpression: 'appId = :a AND expiresAtMs >= :since',
      ExpressionAttributeValues: { ':a': appId, ':since': sinceMs },
    });
  }

  async active(appId: string, nowMs: number): Promise<StoredResponse[]> {
    // The range condition, not the TTL, decides expiry: DynamoDB deletes expired items lazily.
    return this.queryAll({
      IndexName: 'byExpiry',
      KeyConditionExpression: 'appId = :a AND expiresAtMs > :now',
      FilterExpression: 'attribute_not_exists(revokedAt)',
      ExpressionAttributeValues: { ':a': appId, ':now': nowMs },
    });
  }

  async changes(appId: string, afterChangeKey: string | null, limit: number): Promise<StoredResponse[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit: ${limit} is not allowed; expected a whole number >= 1`);
    const input: Omit<QueryCommandInput, 'TableName'> =
      afterChangeKey === null
        ? { IndexName: 'byChange', KeyConditionExpression: 'appId = :a', ExpressionAttributeValues: { ':a': appId } }
        : { IndexName: 'byChange', KeyConditionExpression: 'appId = :a AND changeKey > :k', ExpressionAttributeValues: { ':a': appId, ':k': afterChangeKey } };
    return this.queryAll(input, limit);
  }

  async get(appId: string, id: string): Promise<StoredResponse | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { appId, id }, ConsistentRead: true }));
    return Item === undefined ? undefined : toStored(Item as ResponseItem);
  }

  /** Sets revokedAt (kept if it was revoked before) and moves the item to the head of the change feed. */
  async revoke(appId: string, id: string, atMs: number): Promise<StoredResponse | undefined> {
    const updatedAtMs = this.tick();
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { appId, id },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at), changeKey = :ck, updatedAtMs = :u',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':at': new Date(atMs).toISOString(), ':ck': changeKeyOf(updatedAtMs, id), ':u': updatedAtMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toStored(Attributes as ResponseItem);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Strongly consistent query over an index, following pages until `limit` items or the end. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Infinity): Promise<StoredResponse[]> {
    const out: StoredResponse[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          ConsistentRead: true,
          ExclusiveStartKey: start,
          ...(limit === Infinity ? {} : { Limit: limit - out.length }),
        }),
      );
      for (const item of page.Items ?? []) out.push(toStored(item as ResponseItem));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && out.length < limit);
    return out;
  }
}

function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

function toStored(item: ResponseItem): StoredResponse {
  return { ...responseFields(item), revokedAt: item.revokedAt ?? null, changeKey: item.changeKey };
}

/** An error as one line for a message: its name and message, or the thrown value as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
