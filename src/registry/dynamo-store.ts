/**
 * The registry in the DynamoDB apps table (src/aws/tables.ts): one item per application, plus one
 * marker item whose counter every write increments. Servers read the marker every second or two
 * (one small GetItem) and scan the table only when it moved, so a registry of thousands of
 * applications costs almost nothing to watch. The marker is bumped after the record is written, so a
 * reader that sees the new mark also sees the new record.
 */
import { ConditionalCheckFailedException, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateScan, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import { formatIssues } from '../events/schema';
import { AppRecordSchema, type AppRecord } from './app-record';
import { RegistryError, type RegistryListing, type RegistryStore } from './store';

/** Not a valid application id (those start with a letter or digit), so it cannot collide with one. */
const REGISTRY_MARK = '#registry';

export class DynamoRegistryStore implements RegistryStore {
  readonly location: string;
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = documentClient(client);
    this.location = `DynamoDB table ${tableName}`;
  }

  async version(): Promise<string> {
    const { Item } = await this.send(() => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { appId: REGISTRY_MARK }, ConsistentRead: true })));
    return String((Item?.version as number | undefined) ?? 0);
  }

  async list(): Promise<RegistryListing> {
    const records: AppRecord[] = [];
    const problems: string[] = [];
    await this.send(async () => {
      for await (const page of paginateScan({ client: this.doc }, { TableName: this.tableName, ConsistentRead: true })) {
        for (const item of page.Items ?? []) {
          if (item.appId === REGISTRY_MARK) continue;
          const parsed = AppRecordSchema.safeParse(item);
          if (parsed.success) records.push(parsed.data);
          else problems.push(`${this.location}: item ${JSON.stringify(item.appId)}: ${formatIssues(parsed.error)}`);
        }
      }
    });
    return { records, problems };
  }

  async get(appId: string): Promise<AppRecord | undefined> {
    const { Item } = await this.send(() => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { appId }, ConsistentRead: true })));
    if (Item === undefined) return undefined;
    const parsed = AppRecordSchema.safeParse(Item);
    if (!parsed.success) throw new RegistryError('invalid_registry', `${this.location}: item ${JSON.stringify(appId)}: ${formatIssues(parsed.error)}`);
    return parsed.data;
  }

  async create(record: AppRecord): Promise<void> {
    await this.send(
      () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: record, ConditionExpression: 'attribute_not_exists(appId)' })),
      () => new RegistryError('app_exists', `application ${record.appId} already exists`),
    );
    await this.bump();
  }

  async replace(record: AppRecord, expectedRevision: number): Promise<void> {
    await this.send(
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record,
            ConditionExpression: 'attribute_exists(appId) AND revision = :expected',
            ExpressionAttributeValues: { ':expected': expectedRevision },
          }),
        ),
      () => new RegistryError('conflict', `application ${record.appId} changed or was removed meanwhile`),
    );
    await this.bump();
  }

  private async bump(): Promise<void> {
    await this.send(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { appId: REGISTRY_MARK },
          UpdateExpression: 'ADD version :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );
  }

  /** Runs one call, turning the SDK's errors into RegistryErrors that say what to do. */
  private async send<T>(call: () => Promise<T>, onConditionFailed?: () => RegistryError): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && onConditionFailed !== undefined) throw onConditionFailed();
      if (error instanceof ResourceNotFoundException) {
        throw new RegistryError('unavailable', `the apps table ${this.tableName} does not exist: create it with \`riposte init\``, { cause: error });
      }
      throw new RegistryError('unavailable', `${this.location}: ${(error as Error).message}`, { cause: error });
    }
  }
}
