/**
 * Kinesis (kinesalite) and DynamoDB (dynalite) in-process for a test file, and the environment that
 * points a child process (`riposte ...`, a test fixture) at them.
 */
import { startDynalite, type LocalDynamo } from './dynalite';
import { startLocalKinesis, type LocalKinesis } from './local-kinesis';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-server';

/**
 * A child's environment: only what it needs, so that the developer's own AWS settings cannot point
 * it elsewhere. An endpoint left out is not set.
 */
export function localAwsEnv(endpoints: { kinesis?: string; dynamo?: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_NO_WARNINGS: '1',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ...(endpoints.kinesis === undefined ? {} : { AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis }),
    ...(endpoints.dynamo === undefined ? {} : { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo }),
    ...extra,
  };
}

export interface LocalAws {
  readonly kinesis: LocalKinesis;
  readonly dynamo: LocalDynamo;
  /** The environment of a child process that uses both; `extra` adds or overrides. */
  childEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

/** Starts both before the file's tests and closes them after; read `kinesis` and `dynamo` inside tests or hooks. */
export function useLocalAws(): LocalAws {
  let kinesis: LocalKinesis | undefined;
  let dynamo: LocalDynamo | undefined;
  beforeAll(async () => {
    [kinesis, dynamo] = await Promise.all([startLocalKinesis(), startDynalite()]);
  });
  afterAll(async () => {
    await Promise.all([kinesis?.close(), dynamo?.close()]);
  });
  const started = <T>(service: T | undefined): T => {
    if (service === undefined) throw new Error('local AWS is not started yet: use it inside a test or a hook');
    return service;
  };
  return {
    get kinesis() {
      return started(kinesis);
    },
    get dynamo() {
      return started(dynamo);
    },
    childEnv(extra = {}) {
      return localAwsEnv({ kinesis: started(kinesis).endpoint, dynamo: started(dynamo).endpoint }, extra);
    },
  };
}
