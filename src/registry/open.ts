/**
 * Picks the registry's home the way the rest of Riposte picks its services: in embedded mode (no AWS
 * endpoint configured) a file in RIPOSTE_DATA_DIR; otherwise the DynamoDB table RIPOSTE_APPS_TABLE.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient } from '../aws/clients';
import { awsEndpointsConfigured, type Env } from '../config/env';
import { DynamoRegistryStore } from './dynamo-store';
import { FileRegistryStore } from './file-store';
import type { RegistryStore } from './store';

/** `dynamo`: the process's client, closed by whoever made it; a short-lived command may omit it. */
export function openRegistryStore(env: Env, rawEnv: NodeJS.ProcessEnv = process.env, dynamo?: DynamoDBClient): RegistryStore {
  if (awsEndpointsConfigured(rawEnv)) return new DynamoRegistryStore(dynamo ?? createDynamoClient(), env.RIPOSTE_APPS_TABLE);
  return FileRegistryStore.inDataDir(env.RIPOSTE_DATA_DIR);
}
