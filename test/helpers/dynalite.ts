/**
 * dynalite started in-process on a free port, and DynamoDB clients pointed at it. Tables are created
 * through `ensureTable`, as `riposte init` does, under names unique to each test.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, type ClientOverrides } from '../../src/aws/clients';
import { ensureTable, responsesTable } from '../../src/aws/tables';

export interface LocalDynamo {
  endpoint: string;
  client(overrides?: ClientOverrides): DynamoDBClient;
  /** Creates a responses table with a fresh name and returns the name. */
  responsesTable(): Promise<string>;
  close(): Promise<void>;
}

let tableCounter = 0;

export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = (overrides: ClientOverrides = {}): DynamoDBClient => {
    const c = createDynamoClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...overrides });
    clients.push(c);
    return c;
  };
  const admin = client();
  return {
    endpoint,
    client,
    async responsesTable() {
      const name = `responses-${process.pid}-${++tableCounter}`;
      await ensureTable(admin, responsesTable(name));
      return name;
    },
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
