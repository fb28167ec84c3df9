/**
 * Riposte's settings from the environment: one zod schema, the only reader of `process.env` (and, for
 * the embedded services' endpoints, its only writer). A bad value stops start-up with a message naming
 * the variable, the value, and what is allowed.
 *
 * What the AWS SDK reads itself (AWS_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SQS, credentials) is not repeated here; `awsEndpointsConfigured` only looks at
 * whether endpoints are set, to decide between AWS and the embedded services.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { EnvError } from '../core/config-errors';

const wholeNumber = (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`).min(min, `must be ${what}`).max(max, `must be ${what}`);
const seconds = (fallback: number) => wholeNumber('a whole number of seconds (0 or more)', 0).default(fallback);
const name = /^[a-zA-Z0-9_.-]+$/;

const trustedProxies = (list: string): string[] => list.split(',').map((e) => e.trim()).filter((e) => e !== '');
/** What fastify's trustProxy (proxy-addr) takes: an address, a CIDR range, or a named range. */
function isProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const EnvSchema = z.object({
  RIPOSTE_STREAM: z.string().min(1).max(128).regex(name).default('riposte-events').describe('Kinesis stream of agent events.'),
  RIPOSTE_RESPONSES_TABLE: z.string().min(3).max(255).regex(name).default('riposte-responses').describe('DynamoDB table of security responses.'),
  RIPOSTE_CHECKPOINTS_TABLE: z.string().min(3).max(255).regex(name).default('riposte-checkpoints').describe("DynamoDB table of the local driver's checkpoints."),
  RIPOSTE_APPS_TABLE: z.string().min(3).max(255).regex(name).default('riposte-apps').describe('DynamoDB table of the application registry (not used in embedded mode).'),
  RIPOSTE_DATA_DIR: z.string().min(1).default('./.riposte').describe('Embedded mode: where Kinesis, DynamoDB, the registry and dead letters keep their data.'),
  RIPOSTE_DEAD_LETTERS: z.string().min(1).optional().describe('JSON-lines file dead letters are appended to (default <RIPOSTE_DATA_DIR>/dead-letters.jsonl).'),
  RIPOSTE_INITIAL_POSITION: z
    .enum(['TRIM_HORIZON', 'LATEST'])
    .default('TRIM_HORIZON')
    .describe('Where the local driver starts a shard it has no checkpoint for (a reshard\'s children always start at their beginning).'),
  RIPOSTE_SETTINGS: z.string().min(1).optional().describe('Per-application settings file, YAML or JSON: detector overrides, allowlists.'),
  RIPOSTE_PLAYBOOKS_DIR: z.string().min(1).optional().describe('Playbooks: DIR/*.yaml for every application, DIR/<appId>/*.yaml for one; watched for changes.'),
  RIPOSTE_LATENESS_SECONDS: seconds(120).describe('How far behind the newest event a report may arrive and still count.'),
  RIPOSTE_FUTURE_TOLERANCE_SECONDS: seconds(300).describe('How far ahead of its arrival in Kinesis an event time may be (broken agent clocks).'),
  RIPOSTE_MAX_WINDOW_STATES: wholeNumber('a whole number of at least 1000', 1000)
    .default(1_000_000)
    .describe('Memory budget of one shard processor, in window states (plan on about 320 bytes each); the least recently seen are evicted beyond it.'),
  RIPOSTE_MAX_RESPONSES_PER_APP_SECOND: wholeNumber('a whole number of at least 1', 1)
    .default(200)
    .describe("Responses one application may be given per second of a shard's event time; those beyond are shed (counted, logged) and the target is answered at its next detection. Keeps one application's flood from filling the writes every application waits for."),
  RIPOSTE_INGEST_LINGER_MS: wholeNumber('a whole number of milliseconds from 0 to 1000', 0, 1000)
    .default(5)
    .describe('Ingest API: how long the events of a request wait for those of concurrent requests to share one write to the stream.'),
  RIPOSTE_INGEST_BUFFER_BYTES: wholeNumber('a whole number of bytes of at least 1048576', 1024 * 1024)
    .default(64 * 1024 * 1024)
    .describe('Ingest API: bytes of events waiting for the stream beyond which requests are answered 503 with Retry-After at once.'),
  PORT: wholeNumber('a port number from 0 to 65535', 0, 65535).default(8080).describe('Port of the ingest, agent and admin APIs and /metrics (0: any free port).'),
  HOST: z
    .string()
    .min(1)
    .optional()
    .describe('Address the APIs listen on (default: 127.0.0.1 for riposte start, this machine only; 0.0.0.0 for riposte serve). --host overrides it.'),
  RIPOSTE_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const entries = trustedProxies(value ?? '');
      for (const bad of entries.filter((e) => !isProxyEntry(e))) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(bad)} is not an address, a CIDR range (10.0.0.0/16, fd00::/8) or one of loopback, linklocal, uniquelocal` });
      return entries;
    })
    .describe(
      "The proxies in front of the APIs (a load balancer's addresses: a CIDR range, e.g. 10.0.0.0/16; comma-separated). The client's address is read from X-Forwarded-For past them; without it the header is ignored, as anyone can write it. Decides which address the admin sign-in limit and the request logs name.",
    ),
  RIPOSTE_METRICS_PORT: wholeNumber('a port number from 0 to 65535', 0, 65535)
    .optional()
    .describe('Serve /metrics on this port of its own (on HOST) instead of beside the APIs, e.g. to keep it off the load balancer.'),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0' }).optional().describe('Redis (e.g. redis://127.0.0.1:6379/0): the retry queue, the agent read cache, long-poll wake-ups across processes.'),
  RIPOSTE_RETRY_QUEUE_URL: z.url({ protocol: /^https?$/, error: 'must be an SQS queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/riposte-retry' }).optional().describe('SQS queue URL for failed response writes (production); takes precedence over Redis for the retry queue.'),
  RIPOSTE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional().describe('Admin token: the admin API (Bearer) and the console\'s sign-in. Unset: embedded mode makes one on the first start (printed once, hash in the data dir); otherwise both are off.'),
  RIPOSTE_USE_AWS: z
    // Empty is unset, as it always was (a shell's `RIPOSTE_USE_AWS= riposte start`).
    .preprocess((value) => (value === '' ? undefined : value), z.enum(['0', '1'], { error: 'must be 1 (use real AWS) or 0 (the default)' }).optional())
    .describe('1: use real AWS with its default endpoints, although no AWS_ENDPOINT_URL* is set (else riposte start runs embedded).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level (JSON lines on standard error; readable on a terminal).'),
});

/** The variables with what they mean and their defaults, for `--help`. */
export function environmentHelp(): string {
  const rows = Object.entries(EnvSchema.shape).map(([key, schema]) => {
    const fallback = schema.safeParse(undefined);
    const shown = fallback.success && fallback.data !== undefined ? ` (default: ${String(fallback.data)})` : '';
    return `  ${key}\n      ${schema.description ?? ''}${shown}`;
  });
  return `Environment (all optional):\n${rows.join('\n')}\n  AWS_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, credentials\n      Read by the AWS SDK itself. With no endpoint set (and RIPOSTE_USE_AWS not 1), riposte start\n      runs embedded Kinesis and DynamoDB.`;
}

export type Env = z.infer<typeof EnvSchema>;

export { EnvError } from '../core/config-errors';

/** Parses the environment; throws EnvError naming each bad variable, its value and what is allowed. */
export function loadEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const value = env[name];
    const shown = /TOKEN|SECRET|PASSWORD/.test(name) ? '(hidden)' : JSON.stringify(value);
    return `${name}=${shown}: ${issue.message}`;
  });
  throw new EnvError(`invalid configuration:\n  ${lines.join('\n  ')}`);
}

/**
 * True when the AWS SDK is pointed at endpoints (or at AWS itself): then nothing is embedded. Reads
 * the raw environment (before `riposte start` adds the embedded endpoints to it), which loadEnv has
 * already checked.
 */
export function awsEndpointsConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_DYNAMODB'].some((k) => (env[k] ?? '') !== '') || (env.RIPOSTE_USE_AWS ?? '') === '1';
}

/**
 * Points the AWS SDK at embedded services, through its own variables, so that every client made from
 * here on (and any child process) uses them. Dummy credentials only where none are set: the emulators
 * accept any. The one writer of `process.env`; returns the environment as it now is, for what reads
 * the endpoints or hands them on (the KCL daemon's children).
 */
export function useEmbeddedEndpoints(endpoints: { kinesis: string; dynamodb: string }): NodeJS.ProcessEnv {
  process.env.AWS_ENDPOINT_URL_KINESIS = endpoints.kinesis;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamodb;
  process.env.AWS_REGION ??= process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (process.env.AWS_ACCESS_KEY_ID === undefined && process.env.AWS_PROFILE === undefined) {
    process.env.AWS_ACCESS_KEY_ID = 'riposte-embedded';
    process.env.AWS_SECRET_ACCESS_KEY = 'riposte-embedded';
  }
  return { ...process.env };
}
