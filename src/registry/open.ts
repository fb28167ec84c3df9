/**
 * Picks the registry's home the way the rest of Riposte picks its services: in embedded mode (no AWS
 * endpoint configured) a file in RIPOSTE_DATA_DIR; otherwise the DynamoDB table RIPOSTE_APPS_TABLE.
 */
import { createDynamoClient } from '../aws/clients';
import { awsEndpointsConfigured, type Env } from '../config/env';
import { DynamoRegistryStore } from './dynamo-store';
import { FileRegistryStore } from './file-store';
import type { RegistryStore } from './store';

export function openRegistryStore(env: Env, rawEnv: NodeJS.ProcessEnv = process.env): RegistryStore {
  if (awsEndpointsConfigured(rawEnv)) return new DynamoRegistryStore(createDynamoClient(), env.RIPOSTE_APPS_TABLE);
  return FileRegistryStore.inDataDir(env.RIPOSTE_DATA_DIR);
}
