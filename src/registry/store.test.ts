/** The same contract, run against both homes of the registry: a file and a DynamoDB table on dynalite. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { appsTable, ensureTable } from '../aws/tables';
import { documentClient } from '../aws/clients';
import { startDynalite, type LocalDynamo } from '../../test/helpers/dynalite';
import type { AppRecord } from './app-record';
import { DynamoRegistryStore } from './dynamo-store';
import { FileRegistryStore } from './file-store';
import { RegistryError, type RegistryStore } from './store';

function record(appId: string, revision = 1): AppRecord {
  return {
    appId,
    createdAt: '2026-11-28T12:00:00.000Z',
    updatedAt: `2026-11-28T12:00:0${revision}.000Z`,
    revision,
    tokens: [{ hash: 'a'.repeat(64), createdAt: '2026-11-28T12:00:00.000Z' }],
    settings: { allowlist: { ips: ['10.0.0.0/8'] }, detectors: { scanner: { enabled: false } } },
    playbooks: [{ name: 'card-testing', yaml: 'kind: count\n' }],
  };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof RegistryError ? error.code : `other: ${(error as Error).message}`;
  }
}

let dynalite: LocalDynamo;
let client: DynamoDBClient;
let dir: string;
let tables = 0;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = dynalite.client();
  dir = await mkdtemp(join(tmpdir(), 'riposte-store-'));
});
afterAll(async () => {
  await dynalite.close();
  await rm(dir, { recursive: true, force: true });
});

const backends: Array<[string, () => Promise<RegistryStore>]> = [
  ['file', async () => new FileRegistryStore(join(dir, `apps-${++tables}.json`))],
  [
    'dynamodb',
    async () => {
      const name = `apps-${++tables}`;
      await ensureTable(client, appsTable(name));
      return new DynamoRegistryStore(client, name);
    },
  ],
];

describe.each(backends)('%s registry store', (_backend, open) => {
  test('an empty registry lists nothing', async () => {
    const store = await open();
    expect(await store.list()).toEqual({ records: [], problems: [] });
    expect(await store.get('shop')).toBeUndefined();
  });

  test('a created record reads back whole, settings and playbooks included', async () => {
    const store = await open();
    await store.create(record('shop'));
    expect(await store.get('shop')).toEqual(record('shop'));
    expect((await store.list()).records).toEqual([record('shop')]);
  });

  test('creating an existing application fails with app_exists and changes nothing', async () => {
    const store = await open();
    await store.create(record('shop'));
    expect(await code(store.create({ ...record('shop'), tokens: [] }))).toBe('app_exists');
    expect((await store.get('shop'))?.tokens).toHaveLength(1);
  });

  test('a replace based on a stale revision fails with conflict', async () => {
    const store = await open();
    await store.create(record('shop'));
    await store.replace(record('shop', 2), 1);
    expect(await code(store.replace(record('shop', 3), 1))).toBe('conflict');
    expect((await store.get('shop'))?.revision).toBe(2);
  });

  test('replacing an application that does not exist fails', async () => {
    const store = await open();
    expect(['unknown_app', 'conflict']).toContain(await code(store.replace(record('ghost', 2), 1)));
  });

  test('application ids named like Object.prototype members are ordinary keys', async () => {
    const store = await open();
    expect(await store.get('constructor')).toBeUndefined();
    await store.create(record('constructor'));
    await store.create(record('valueOf'));
    await store.replace(record('valueOf', 2), 1);
    expect(await code(store.create(record('constructor')))).toBe('app_exists');
    expect(['unknown_app', 'conflict']).toContain(await code(store.replace(record('toString', 2), 1)));
    expect((await store.list()).records.map((r) => [r.appId, r.revision]).sort()).toEqual([
      ['constructor', 1],
      ['valueOf', 2],
    ]);
  });

  test('the version mark moves with every write and stays put otherwise', async () => {
    const store = await open();
    const v0 = await store.version();
    await store.create(record('shop'));
    const v1 = await store.version();
    expect(await store.version()).toBe(v1);
    await store.replace(record('shop', 2), 1);
    const v2 = await store.version();
    expect(new Set([v0, v1, v2]).size).toBe(3);
  });
});

test('a DynamoDB item that is not an application record is reported and the others still served', async () => {
  const name = `apps-${++tables}`;
  await ensureTable(client, appsTable(name));
  const store = new DynamoRegistryStore(client, name);
  await store.create(record('shop'));
  await documentClient(client).send(new PutCommand({ TableName: name, Item: { appId: 'broken', tokens: 'nope' } }));
  const { records, problems } = await store.list();
  expect(records.map((r) => r.appId)).toEqual(['shop']);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/"broken"/);
});

test('a missing apps table is an error that says to run riposte init', async () => {
  const store = new DynamoRegistryStore(client, 'no-such-table');
  await expect(store.version()).rejects.toThrow(/riposte init/);
});
