/**
 * createAgent's options, their defaults (written here only), and their checks. A wrong option is an
 * error at start-up that names it; nothing is checked again on the request path.
 */
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { TrustProxy } from './client-ip';
import { cleanText } from './events';
import { type AgentLogger, silentLogger, stderrLogger } from './logger';
import { optionError } from './option-error';
import type { Block } from './decision';

/** Batching of reported events, after OpenTelemetry's BatchSpanProcessor. */
export interface BatchOptions {
  /** Events held at most; when full, the oldest is dropped (and counted). Default 10,000. */
  maxQueueSize?: number;
  /** Events per request to Riposte at most (the API takes 500). Default 500. */
  maxExportBatchSize?: number;
  /** How long an event waits for others before a batch is sent. Default 1,000 ms. */
  scheduledDelayMillis?: number;
  /** How long one request to send a batch may take. Default 10,000 ms. */
  exportTimeoutMillis?: number;
}

export interface SyncOptions {
  /** `wait` of each long-poll of /v1/agent/responses, in seconds, 1 to 55 (the API's limit). Default 30. */
  waitSeconds?: number;
  /** How often the rules pack is checked for a new version (If-None-Match). Default 60,000 ms. */
  rulesRefreshMillis?: number;
  /** How long a read of the rules or of the active responses may take. Default 10,000 ms. */
  requestTimeoutMillis?: number;
}

export interface RetryOptions {
  /** The first delay after a failure. Default 500 ms. */
  initialBackoffMillis?: number;
  /** The longest delay between attempts. Default 30,000 ms. */
  maxBackoffMillis?: number;
}

/** What a blocked request is answered. */
export interface BlockReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface AgentOptions {
  /**
   * Riposte's API, e.g. `http://riposte.internal:8080`. Required: `undefined` (an unset environment
   * variable) is an error at creation that says so.
   */
  url: string | undefined;
  /** The application's agent token (`riposte apps add` prints it). Required, like `url`. */
  token: string | undefined;
  /** Names this agent in the events it sends. Default `<hostname>:<pid>`. */
  agentId?: string;
  /** Which hops of X-Forwarded-For to believe (see client-ip.ts). Default false: the socket's peer is the client. */
  trustProxy?: TrustProxy;
  /**
   * The user of a request, as the application reports it in `user.login`; needed to enforce
   * responses on users. Under Fastify, the second argument is Fastify's request (with what the
   * application's plugins decorated it with); under Connect and Express, `req` is that request.
   */
  identify?: (req: IncomingMessage, framework?: unknown) => string | null | undefined;
  /** What a blocked request is answered. Default 403 `Forbidden`. */
  blockReply?: (block: Block, req: IncomingMessage) => BlockReply;
  /** Report requests the application answered 404 (`request` events: scanners). Default true. */
  reportNotFound?: boolean;
  /** Characters of one request the rules look at, at most; 0 turns the rules off. Default 16,384. */
  maxInspectChars?: number;
  batch?: BatchOptions;
  sync?: SyncOptions;
  retry?: RetryOptions;
  /** A pino-style logger, or false for none. Default: warnings and errors on standard error. */
  logger?: AgentLogger | false;
}

export interface ResolvedOptions {
  url: URL;
  token: string;
  agentId: string;
  host: string;
  trustProxy: TrustProxy | undefined;
  identify: AgentOptions['identify'];
  blockReply: (block: Block, req: IncomingMessage) => BlockReply;
  reportNotFound: boolean;
  maxInspectChars: number;
  batch: Required<BatchOptions>;
  sync: Required<SyncOptions>;
  retry: Required<RetryOptions>;
  logger: AgentLogger;
}

/** The ingest API's limit on events per request. */
export const MAX_EVENTS_PER_REQUEST = 500;

export const defaultBlockReply = (): BlockReply => ({
  status: 403,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body: 'Forbidden\n',
});

function int(option: string, value: number | undefined, fallback: number, min: number, max: number, unit = ''): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(option, value, `a whole number${unit} from ${min} to ${max}`);
  }
  return value;
}

function fn<T>(option: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw optionError(option, value, 'a function');
  return value;
}

function parseUrl(value: unknown): URL {
  const example = 'the URL of Riposte\'s API, e.g. "http://riposte.internal:8080"';
  if (typeof value !== 'string' || value === '') throw optionError('url', value, example, 'is RIPOSTE_URL set?');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw optionError('url', value, example);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw optionError('url', value, `${example} (http or https)`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw optionError('url', value, `${example}, without credentials, query or fragment`, 'the token goes in options.token');
  }
  return url;
}

export function resolveOptions(options: AgentOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw optionError('', options, 'an object: createAgent({ url, token })');
  const url = parseUrl(options.url);
  const token = options.token as unknown;
  if (typeof token !== 'string' || token === '' || /\s/.test(token)) {
    throw optionError('token', token === undefined ? token : '(hidden)', 'the application\'s agent token (riposte apps add prints it)', 'is RIPOSTE_TOKEN set?');
  }
  const agentId = options.agentId ?? `${hostname()}:${process.pid}`;
  if (typeof agentId !== 'string' || agentId === '' || agentId.length > 200 || cleanText(agentId, 200) !== agentId) {
    throw optionError('agentId', agentId, 'a name of 1 to 200 characters without control characters');
  }
  const batch = options.batch ?? {};
  const maxQueueSize = int('batch.maxQueueSize', batch.maxQueueSize, 10_000, 1, 10_000_000);
  const maxExportBatchSize = int('batch.maxExportBatchSize', batch.maxExportBatchSize, MAX_EVENTS_PER_REQUEST, 1, MAX_EVENTS_PER_REQUEST);
  const sync = options.sync ?? {};
  const retry = options.retry ?? {};
  const initialBackoffMillis = int('retry.initialBackoffMillis', retry.initialBackoffMillis, 500, 1, 600_000, ' of milliseconds');
  const logger = options.logger === false ? silentLogger : (options.logger ?? stderrLogger);
  if (typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw optionError('logger', logger, 'a logger with warn() and error() (pino works), or false');
  }
  return {
    url,
    token,
    agentId,
    host: hostname().slice(0, 256),
    trustProxy: options.trustProxy,
    identify: fn('identify', options.identify),
    blockReply: fn('blockReply', options.blockReply) ?? defaultBlockReply,
    reportNotFound: options.reportNotFound ?? true,
    maxInspectChars: int('maxInspectChars', options.maxInspectChars, 16_384, 0, 16 * 1024 * 1024),
    batch: {
      maxQueueSize,
      // A batch never asks for more than the queue can hold.
      maxExportBatchSize: Math.min(maxExportBatchSize, maxQueueSize),
      scheduledDelayMillis: int('batch.scheduledDelayMillis', batch.scheduledDelayMillis, 1000, 0, 3_600_000, ' of milliseconds'),
      exportTimeoutMillis: int('batch.exportTimeoutMillis', batch.exportTimeoutMillis, 10_000, 1, 600_000, ' of milliseconds'),
    },
    sync: {
      // At least a second: a long-poll that never waits would be a loop of requests.
      waitSeconds: int('sync.waitSeconds', sync.waitSeconds, 30, 1, 55, ' of seconds'),
      rulesRefreshMillis: int('sync.rulesRefreshMillis', sync.rulesRefreshMillis, 60_000, 100, 86_400_000, ' of milliseconds'),
      requestTimeoutMillis: int('sync.requestTimeoutMillis', sync.requestTimeoutMillis, 10_000, 1, 600_000, ' of milliseconds'),
    },
    retry: {
      initialBackoffMillis,
      maxBackoffMillis: int('retry.maxBackoffMillis', retry.maxBackoffMillis, 30_000, initialBackoffMillis, 3_600_000, ' of milliseconds'),
    },
    logger,
  };
}
