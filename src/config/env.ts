/**
 * Riposte's settings from the environment: one zod schema, the only reader of `process.env`. A bad
 * value stops start-up with a message naming the variable, the value, and what is allowed.
 *
 * What the AWS SDK reads itself (AWS_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SQS, credentials) is not repeated here; `awsEndpointsConfigured` only looks at
 * whether endpoints are set, to decide between AWS and the embedded services.
 */
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const EnvSchema = z.object({
  RIPOSTE_STREAM: z.string().min(1).max(128).regex(/^[a-zA-Z0-9_.-]+$/).default('riposte-events'),
  RIPOSTE_RESPONSES_TABLE: z.string().min(3).max(255).regex(/^[a-zA-Z0-9_.-]+$/).default('riposte-responses'),
  RIPOSTE_CHECKPOINTS_TABLE: z.string().min(3).max(255).regex(/^[a-zA-Z0-9_.-]+$/).default('riposte-checkpoints'),
  RIPOSTE_APPS_TABLE: z.string().min(3).max(255).regex(/^[a-zA-Z0-9_.-]+$/).default('riposte-apps'),
  RIPOSTE_DATA_DIR: z.string().min(1).default('./.riposte'),
  /** JSON-lines file the drivers append dead letters to; `<RIPOSTE_DATA_DIR>/dead-letters.jsonl` when unset. */
  RIPOSTE_DEAD_LETTERS: z.string().min(1).optional(),
  /** Where the local driver starts reading a shard it has no checkpoint for (a reshard's children always start at their beginning). */
  RIPOSTE_INITIAL_POSITION: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'),
  /** Per-application settings file (YAML or JSON): detector overrides, allowlists. */
  RIPOSTE_SETTINGS: z.string().min(1).optional(),
  /** Directory of playbooks (DIR/*.yaml for every application, DIR/<appId>/*.yaml for one), watched for changes. */
  RIPOSTE_PLAYBOOKS_DIR: z.string().min(1).optional(),
  RIPOSTE_LATENESS_SECONDS: seconds(120),
  RIPOSTE_FUTURE_TOLERANCE_SECONDS: seconds(300),
  /** Window states one shard processor keeps at most (its memory budget; ~200 bytes each). */
  RIPOSTE_MAX_WINDOW_STATES: z.coerce.number().int().min(1000).default(1_000_000),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Enables the Redis retry queue and the agent cache, e.g. redis://127.0.0.1:6379/0. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** SQS queue URL for failed writes (production); takes precedence over Redis for the retry queue. */
  RIPOSTE_RETRY_QUEUE_URL: z.url().optional(),
  /** Bearer token of the admin API; without it the admin API is off. */
  RIPOSTE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {}

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

/** True when the AWS SDK is pointed at endpoints (or at AWS itself): then nothing is embedded. */
export function awsEndpointsConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KINESIS', 'AWS_ENDPOINT_URL_DYNAMODB'].some((k) => (env[k] ?? '') !== '') || (env.RIPOSTE_USE_AWS ?? '') === '1';
}
