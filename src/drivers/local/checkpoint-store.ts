/**
 * Where the local driver keeps its place in each shard: the DynamoDB checkpoints table
 * (src/aws/tables.ts, key streamName + shardId), so that a restart resumes where the last run's
 * responses were durable.
 *
 * A position is stored with `complete`: whether it is the last user record of its Kinesis record.
 * Then the reader resumes AFTER_SEQUENCE_NUMBER; otherwise (a KPL-aggregated record checkpointed
 * part way) AT_SEQUENCE_NUMBER, skipping the user records up to the sub-sequence number.
 * `SHARD_END` marks a closed shard read to its end: its children may start.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../aws/clients';
import type { Position } from '../../engine/types';

export type StoredCheckpoint =
  | { kind: 'position'; position: Position; complete: boolean }
  | { kind: 'shard-end' };

export interface CheckpointStore {
  /** Every checkpoint of the stream, by shard id. */
  all(): Promise<Map<string, StoredCheckpoint>>;
  put(shardId: string, checkpoint: StoredCheckpoint): Promise<void>;
}

const SHARD_END = 'SHARD_END';

interface CheckpointItem {
  streamName: string;
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  complete: boolean;
  /** Which process wrote it, and when: for people looking at the table. */
  owner: string;
  updatedAt: string;
}

export class DynamoCheckpointStore implements CheckpointStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    readonly streamName: string,
    private readonly owner: string,
  ) {
    this.doc = documentClient(client);
  }

  async all(): Promise<Map<string, StoredCheckpoint>> {
    const found = new Map<string, StoredCheckpoint>();
    const pages = paginateQuery(
      { client: this.doc },
      { TableName: this.tableName, KeyConditionExpression: 'streamName = :s', ExpressionAttributeValues: { ':s': this.streamName }, ConsistentRead: true },
    );
    try {
      for await (const page of pages) for (const item of (page.Items ?? []) as CheckpointItem[]) found.set(item.shardId, fromItem(item));
    } catch (error) {
      throw new Error(`checkpoints table ${this.tableName}: ${(error as Error).message} (does it exist? riposte init creates it)`, { cause: error });
    }
    return found;
  }

  async put(shardId: string, checkpoint: StoredCheckpoint): Promise<void> {
    const item: CheckpointItem = {
      streamName: this.streamName,
      shardId,
      sequenceNumber: checkpoint.kind === 'shard-end' ? SHARD_END : checkpoint.position.sequenceNumber,
      subSequenceNumber: checkpoint.kind === 'shard-end' ? 0 : checkpoint.position.subSequenceNumber,
      complete: checkpoint.kind === 'shard-end' ? true : checkpoint.complete,
      owner: this.owner,
      updatedAt: new Date().toISOString(),
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }
}

function fromItem(item: CheckpointItem): StoredCheckpoint {
  if (item.sequenceNumber === SHARD_END) return { kind: 'shard-end' };
  return { kind: 'position', position: { sequenceNumber: item.sequenceNumber, subSequenceNumber: Number(item.subSequenceNumber) }, complete: item.complete !== false };
}
