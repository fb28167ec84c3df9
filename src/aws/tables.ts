/**
 * The DynamoDB tables Riposte owns, defined once: `riposte init` creates them on AWS, `riposte start`
 * on its embedded DynamoDB, tests on dynalite. Table names are Riposte settings (src/config/env.ts).
 *
 * responses (key: appId + id)
 *   One item per security response; `id` is the deterministic response id, so the conditional put
 *   of a replayed response finds the item and writes nothing.
 *   - LSI `byExpiry` (appId, expiresAtMs): the active responses of an application are those with
 *     expiresAtMs > now (and no revokedAt) — one Query, strongly consistent.
 *   - LSI `byChange` (appId, changeKey): `changeKey` is `<updatedAtMs, zero-padded>#<id>`, set when
 *     the item is written and again when it is revoked: the agent API's cursor is a changeKey.
 *   - TTL on `ttl` (epoch seconds): expiry plus the repeat-offender look-back, so the history that
 *     lengthens a repeat offender's response is still there when it is needed.
 *   - One item `id = "#generation"` per application: a counter of its writes and revocations, which
 *     the agent API's cache checks (src/sinks/dynamodb/responses-store.ts). No index holds it.
 * checkpoints (key: streamName + shardId): the local driver's position per shard, and its lease owner.
 * apps (key: appId): the application registry when it lives in DynamoDB.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Env } from '../config/env';

export interface TableSpec {
  input: CreateTableCommandInput;
  /** Attribute holding the expiry time (epoch seconds), if the table expires items. */
  ttlAttribute?: string;
}

export function responsesTable(name: string): TableSpec {
  return {
    input: {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'appId', AttributeType: 'S' },
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'expiresAtMs', AttributeType: 'N' },
        { AttributeName: 'changeKey', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'appId', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: 'byExpiry',
          KeySchema: [
            { AttributeName: 'appId', KeyType: 'HASH' },
            { AttributeName: 'expiresAtMs', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byChange',
          KeySchema: [
            { AttributeName: 'appId', KeyType: 'HASH' },
            { AttributeName: 'changeKey', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    ttlAttribute: 'ttl',
  };
}

export function checkpointsTable(name: string): TableSpec {
  return {
    input: {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'streamName', AttributeType: 'S' },
        { AttributeName: 'shardId', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'streamName', KeyType: 'HASH' },
        { AttributeName: 'shardId', KeyType: 'RANGE' },
      ],
    },
  };
}

export function appsTable(name: string): TableSpec {
  return {
    input: {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'appId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'appId', KeyType: 'HASH' }],
    },
  };
}

/** Every table Riposte owns, named by the settings: what `riposte init` and `riposte start` create. */
export function riposteTables(env: Pick<Env, 'RIPOSTE_RESPONSES_TABLE' | 'RIPOSTE_CHECKPOINTS_TABLE' | 'RIPOSTE_APPS_TABLE'>): TableSpec[] {
  return [responsesTable(env.RIPOSTE_RESPONSES_TABLE), checkpointsTable(env.RIPOSTE_CHECKPOINTS_TABLE), appsTable(env.RIPOSTE_APPS_TABLE)];
}

/** Creates the table unless it exists, waits until it is active, and turns TTL on if it is off. Idempotent. */
export async function ensureTable(client: DynamoDBClient, spec: TableSpec): Promise<'created' | 'exists'> {
  const name = spec.input.TableName as string;
  let outcome: 'created' | 'exists' = 'exists';
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await client.send(new CreateTableCommand(spec.input));
      outcome = 'created';
    } catch (createError) {
      if (!(createError instanceof ResourceInUseException)) throw createError; // created meanwhile by another process
    }
  }
  // The SDK's waiter, from 0.1 s between polls doubling to 2 s: a local table is ready in moments.
  await waitUntilTableExists({ client, minDelay: 0.1, maxDelay: 2, maxWaitTime: 60 }, { TableName: name }).catch((error: unknown) => {
    throw new Error(`table ${name} is not ACTIVE after 60 s: ${(error as Error).message}`, { cause: error });
  });
  // Whatever the outcome: a run that stopped between creating the table and this would otherwise
  // have left TTL off for good.
  if (spec.ttlAttribute !== undefined) await ensureTimeToLive(client, name, spec.ttlAttribute);
  return outcome;
}

async function ensureTimeToLive(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  try {
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    // Only from DISABLED: asking again while it is ENABLED or ENABLING is refused, and so is asking
    // while someone is DISABLING it (that takes up to an hour; a later run turns it back on).
    if (status !== undefined && status !== 'DISABLED') return;
    await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }));
  } catch (error) {
    // dynalite (tests, the embedded default) has no UpdateTimeToLive. Nothing relies on TTL for
    // correctness — queries compare expiry themselves — it only bounds the table's size.
    if (!(error instanceof Error && error.name === 'UnknownOperationException')) throw error;
  }
}
