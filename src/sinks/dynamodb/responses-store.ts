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
 * but one existing item cancels the whole transaction, it costs twice the write units, replays
 * are the common case after a restart, and the embedded dynalite has no transactions. So a write
 * costs a round trip per response, and what bounds it is the client: on the embedded stack each
 * PutItem costs the main thread ~1.7 ms (the SDK's middleware, signing, HTTP; `bench/response-writes.ts`),
 * ~500 puts a second at most on an idle event loop, ~325 under a flood's ingest. 32 in flight (8
 * before) keep the store busy while the event loop is slow to come back to each answer.
 *
 * Beside the responses, one item per application counts its changes: `id = "#generation"`, raised
 * (ADD) once per application after each write call's puts have landed and after each revocation. The
 * agent API's cache compares it with the generation its cached reads were taken at
 * (src/cache/generation-checked-cache.ts), so a read cached before a change is never served for long,
 * even when the change's invalidation was lost (Redis away, or back with old data). The item has no
 * `expiresAtMs` nor `changeKey`, so it is in neither index, and no query of responses meets it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../aws/clients';
import { changeKeyOf, monotonicClock, type HistoryPage, type ResponseHistory, type ResponseReader, type ResponseSink, type StoredResponse } from '../../core/ports';
import { responseFields, type SecurityResponse } from '../../core/response';
import { mapBounded } from '../../shared/map-bounded';

export interface DynamoResponseStoreOptions {
  /**
   * How long an item outlives its expiry, in seconds, before the table's TTL may delete it: the
   * longest repeat-offender look-back any application uses. Default 90 days, the largest look-back
   * an application may configure (src/engine/app-settings.ts).
   */
  retentionSeconds?: number;
  /** Time of writes and revocations (epoch ms): the changeKey's first part. */
  clock?: () => number;
  /** Conditional puts in flight at once within one `write`. */
  concurrency?: number;
}

const DEFAULT_RETENTION_SECONDS = 90 * 86400;

/** The id of an application's generation item; response ids are base64url, so never this. */
const GENERATION_ID = '#generation';

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
    this.concurrency = options.concurrency ?? 32;
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

  /**
   * Writes each response and says what became of it; never rejects. Each application whose responses
   * landed (or were there already: a retry may follow a write whose generation was not raised) has its
   * generation raised once; if that fails, its responses count as failed, to be written again.
   */
  async writeSettled(responses: readonly SecurityResponse[]): Promise<PutOutcome[]> {
    const outcomes = await mapBounded(responses, this.concurrency, async (response): Promise<PutOutcome> => {
      try {
        return { response, status: await this.put(response) };
      } catch (error) {
        return { response, status: 'failed', error };
      }
    });
    const landed = [...new Set(outcomes.filter((o) => o.status !== 'failed').map((o) => o.response.appId))];
    const bumps = await mapBounded(landed, this.concurrency, (appId) => this.bumpGeneration(appId).then(() => undefined, (error: unknown) => ({ appId, error })));
    for (const failure of bumps) {
      if (failure === undefined) continue;
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i] as PutOutcome;
        if (o.status !== 'failed' && o.response.appId === failure.appId) outcomes[i] = { response: o.response, status: 'failed', error: failure.error };
      }
    }
    return outcomes;
  }

  async generation(appId: string): Promise<number> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { appId, id: GENERATION_ID }, ConsistentRead: true }));
    const value: unknown = Item?.generation;
    return typeof value === 'number' ? value : 0;
  }

  private async bumpGeneration(appId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { appId, id: GENERATION_ID },
        UpdateExpression: 'ADD #g :one',
        ExpressionAttributeNames: { '#g': 'generation' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
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

  /** Every response of `appId` expiring at or after `sinceMs`, revoked ones included. */
  async recent(appId: string, sinceMs: number): Promise<readonly StoredResponse[]> {
    return this.queryAll(recentQuery(appId, sinceMs));
  }

  /** One page of `recent`, soonest expiry first (ResponseHistory); `next` is DynamoDB's LastEvaluatedKey as JSON. */
  async recentPage(appId: string, sinceMs: number, after: string | undefined, limit: number): Promise<HistoryPage> {
    const page = await this.doc.send(
      new QueryCommand({
        ...recentQuery(appId, sinceMs),
        TableName: this.tableName,
        ConsistentRead: true,
        Limit: limit,
        ExclusiveStartKey: after === undefined ? undefined : (JSON.parse(after) as Record<string, unknown>),
      }),
    );
    return { responses: (page.Items ?? []).map((item) => toStored(item as ResponseItem)), next: page.LastEvaluatedKey === undefined ? undefined : JSON.stringify(page.LastEvaluatedKey) };
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
    if (id === GENERATION_ID) return undefined;
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { appId, id }, ConsistentRead: true }));
    return Item === undefined ? undefined : toStored(Item as ResponseItem);
  }

  /** Sets revokedAt (kept if it was revoked before) and moves the item to the head of the change feed. */
  async revoke(appId: string, id: string, atMs: number): Promise<StoredResponse | undefined> {
    if (id === GENERATION_ID) return undefined;
    const updatedAtMs = this.tick();
    let revoked: StoredResponse;
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
      revoked = toStored(Attributes as ResponseItem);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
    await this.bumpGeneration(appId);
    return revoked;
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

function recentQuery(appId: string, sinceMs: number): Omit<QueryCommandInput, 'TableName'> {
  return {
    IndexName: 'byExpiry',
    KeyConditionExpression: 'appId = :a AND expiresAtMs >= :since',
    ExpressionAttributeValues: { ':a': appId, ':since': sinceMs },
  };
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
