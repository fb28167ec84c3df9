/**
 * dynalite started in-process on a free port, and DynamoDB clients pointed at it. Tables are created
 * through `ensureTable`, as `riposte init` does, under names unique to each test.
 */
import dynalite from 'dynalite';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../../src/aws/clients';
import { ensureTable, responsesTable } from '../../src/aws/tables';
import { serveLocally, type LocalServer } from './local-server';

export interface LocalDynamo extends LocalServer<DynamoDBClient> {
  /** Creates a responses table with a fresh name and returns the name. */
  responsesTable(): Promise<string>;
}

let tableCounter = 0;

export async function startDynalite(): Promise<LocalDynamo> {
  const local = await serveLocally(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }), createDynamoClient);
  const admin = local.client();
  return {
    ...local,
    async responsesTable() {
      const name = `responses-${process.pid}-${++tableCounter}`;
      await ensureTable(admin, responsesTable(name));
      return name;
    },
  };
}
