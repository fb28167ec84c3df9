/**
 * Picks the registry's home: a file in RIPOSTE_DATA_DIR in embedded mode, otherwise the DynamoDB table
 * RIPOSTE_APPS_TABLE. The processes of a deployment (`riposte serve`, `riposte kcl`) always say `aws`:
 * a registry they would not share is no registry (allowlists, simulation and playbooks silently
 * ignored). Commands run by hand (`riposte apps`) decide as `riposte start` does: AWS when endpoints
 * are configured or RIPOSTE_USE_AWS=1.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../aws/clients';
import type { Env } from '../config/env';
import { DynamoRegistryStore } from './dynamo-store';
import { FileRegistryStore } from './file-store';
import type { RegistryStore } from './store';

/** `dynamo`: the process's client, closed by whoever made it; a short-lived command may omit it. */
export function openRegistryStore(env: Env, where: 'embedded' | 'aws', dynamo?: DynamoDBClient): RegistryStore {
  if (where === 'aws') return new DynamoRegistryStore(dynamo ?? createDynamoClient(), env.RIPOSTE_APPS_TABLE);
  return FileRegistryStore.inDataDir(env.RIPOSTE_DATA_DIR);
}
