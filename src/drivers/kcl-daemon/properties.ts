/**
 * Properties files for the MultilangDaemon, derived from the repository's kcl.properties: the same
 * file with some keys set (local endpoints, metrics off, short lease times in tests). The comments
 * stay, so a derived file still explains itself.
 *
 * Keys are the KCL's case-sensitive bean names: a misspelled one is ignored by the daemon without a
 * word, so `KCL_KEYS` lists those Riposte sets, and setting another is refused here.
 */

/** Keys Riposte derives (checked against KCL 2.7.2's MultiLangDaemonConfiguration and its beans). */
export const KCL_KEYS = [
  'executableName',
  'streamName',
  'applicationName',
  'regionName',
  'AWSCredentialsProvider',
  'initialPositionInStream',
  'retrievalMode',
  'maxRecords',
  'idleTimeBetweenReadsInMillis',
  'failoverTimeMillis',
  'shardSyncIntervalMillis',
  'parentShardPollIntervalMillis',
  'maxLeasesForWorker',
  'workerId',
  'shutdownGraceMillis',
  'taskBackoffTimeMillis',
  'metricsLevel',
  'kinesisEndpoint',
  'dynamoDBEndpoint',
] as const;

export type KclKey = (typeof KCL_KEYS)[number];
export type KclProperties = Partial<Record<KclKey, string | number>>;

const line = (key: string) => new RegExp(`^(#\\s*)?${key}\\s*[=:].*$`, 'm');

/** The value of `key` in a properties text (its active line), or undefined. */
export function propertyValue(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key}\\s*[=:]\\s*(.*)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

/**
 * `text` with each key of `set` given its value: on its active line if there is one, else on its
 * commented-out line (`#key = ...`), else on a new line at the end.
 */
export function deriveProperties(text: string, set: KclProperties): string {
  let out = text;
  const appended: string[] = [];
  for (const [key, value] of Object.entries(set)) {
    if (value === undefined) continue;
    if (!(KCL_KEYS as readonly string[]).includes(key)) throw new Error(`unknown KCL property "${key}": the daemon would ignore it (known: ${KCL_KEYS.join(', ')})`);
    const assignment = `${key} = ${value}`;
    const active = new RegExp(`^${key}\\s*[=:].*$`, 'm');
    if (active.test(out)) out = out.replace(active, assignment);
    else if (line(key).test(out)) out = out.replace(line(key), assignment);
    else appended.push(assignment);
  }
  if (appended.length > 0) out = `${out.trimEnd()}\n\n# --- Set by Riposte for this run ---\n${appended.join('\n')}\n`;
  return out;
}

/**
 * What the daemon needs to run against the endpoints the AWS SDK is pointed at
 * (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION), and Riposte's own names
 * (RIPOSTE_STREAM, RIPOSTE_KCL_APPLICATION). With a local endpoint there is no CloudWatch: metrics off.
 */
export function propertiesFromEnv(env: NodeJS.ProcessEnv): KclProperties {
  const set: KclProperties = {};
  const nonEmpty = (name: string) => (env[name] ?? '') === '' ? undefined : env[name];
  const kinesis = nonEmpty('AWS_ENDPOINT_URL_KINESIS') ?? nonEmpty('AWS_ENDPOINT_URL');
  const dynamo = nonEmpty('AWS_ENDPOINT_URL_DYNAMODB') ?? nonEmpty('AWS_ENDPOINT_URL');
  if (kinesis !== undefined) set.kinesisEndpoint = kinesis;
  if (dynamo !== undefined) set.dynamoDBEndpoint = dynamo;
  if (kinesis !== undefined || dynamo !== undefined) set.metricsLevel = 'NONE';
  const region = nonEmpty('AWS_REGION');
  if (region !== undefined) set.regionName = region;
  const stream = nonEmpty('RIPOSTE_STREAM');
  if (stream !== undefined) set.streamName = stream;
  const application = nonEmpty('RIPOSTE_KCL_APPLICATION');
  if (application !== undefined) set.applicationName = application;
  return set;
}
