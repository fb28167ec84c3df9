/**
 * The older shape of local-kinesis.ts that the API tests under src/api/ still import: one Kinesis
 * client and `stop`. New tests use startLocalKinesis directly.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startLocalKinesis } from './local-kinesis';

export { readStream, type StreamRecord } from './local-kinesis';

export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startKinesalite(): Promise<Emulator & { client: KinesisClient }> {
  const local = await startLocalKinesis();
  return { endpoint: local.endpoint, client: local.client(), stop: () => local.close() };
}
