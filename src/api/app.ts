/**
 * The HTTP API as a fastify instance: ingest, agent, admin and health endpoints. This file only
 * composes; each endpoint lives in its own file. Everything it talks to is passed in, so tests run it
 * with inject() against real or in-memory parts, and the composition root chooses Redis or not.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { ChangeFeed } from '../cache/change-feed';
import { ResponseChangeNotifier } from '../cache/response-change-notifier';
import type { ResponseCache } from '../cache/response-cache';
import { adminAccess } from './console/admin-access';
import { adminCredentials } from './console/admin-credentials';
import { registerConsole, type ConsoleDeps } from './console/register';
import { MemorySessionStore } from './console/sessions';
import { SignInLimiter, type SignInLimits } from './console/sign-in-limit';
import { registerSignInMetrics } from './console/sign-in-metrics';
import type { ErrorReply } from './console/wire';
import { packageVersion } from '../core/package-files';
import type { ResponseReader } from '../core/ports';
import { registerAdmin, type AppDirectory } from './admin';
import { AgentReads, type ReadOptions } from './agent-reads';
import { registerAgentResponses } from './agent-responses';
import { registerAgentRules } from './agent-rules';
import { agentAuth, type AgentAuthenticator } from './auth';
import { ApiError, apiError } from './errors';
import type { EventPublisher } from './event-publisher';
import { registerHealth, type HealthSources } from './health';
import { createApiMetrics, observeRequest } from './http-metrics';
import { registerIngest } from './ingest';
import { registerIngestMetrics } from './ingest-metrics';
import { DEFAULT_INGEST_RATE, IngestRateLimiter, type IngestRateSource } from './ingest-rate-limit';
import { DEFAULT_LIMITS, type ApiLimits } from './limits';
import { RequestLogSampler, SUCCESS_LINES_PER_ROUTE_PER_SECOND } from './request-log';
import type { ApiStopping } from './stopping';
import type { PartFailures } from '../observability/failures';
import { loadRulesPack, type RulesPack } from './rules-pack';

export interface ApiDeps {
  /** The registry as the server sees it (a RegistryWatcher): tokens, applications, health. */
  registry: AgentAuthenticator & AppDirectory & HealthSources & { refresh(options?: { force?: boolean }): Promise<boolean> };
  publisher: EventPublisher;
  reader: ResponseReader;
  cache: ResponseCache;
  feed: ChangeFeed;
  /** Defaults to one built on `cache` and `feed`. */
  notifier?: ResponseChangeNotifier;
  rulesPack?: RulesPack;
  /** Without it (or `console.credentials`) the admin endpoints answer 404 admin_off. */
  adminToken?: string;
  /** The console (src/api/console) and what its endpoints need; its admin credentials replace `adminToken`. */
  console?: ConsoleDeps;
  /** A pino logger (src/observability/logger.ts); request logs and errors go there. */
  logger?: FastifyBaseLogger;
  /** The registry `/metrics` serves; HTTP metrics are registered on it. */
  metrics?: Registry;
  limits?: Partial<ApiLimits>;
  /**
   * The proxies in front of the server (addresses, CIDR ranges): the client's address is read from
   * X-Forwarded-For past them. None, the default, ignores the header, which anyone can write.
   */
  trustedProxies?: readonly string[];
  /** The limit on wrong admin tokens (src/api/console/sign-in-limit.ts); DEFAULT_SIGN_IN_LIMITS for what is not given. */
  signInLimits?: Partial<SignInLimits>;
  /** Each application's ingest rate (its settings: rateFromSettings); DEFAULT_INGEST_RATE for all without it. */
  ingestRate?: IngestRateSource;
  reads?: ReadOptions;
  clock?: () => number;
  /** Parts of the process that died (the local driver, the digester, an embedded emulator's thread): /healthz fails naming them. */
  failures?: PartFailures;
  /** A graceful stop (src/api/stopping.ts): once begun, new requests are answered 503 `stopping`. */
  stopping?: ApiStopping;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** How long requests in flight may take to finish once the server closes. */
const CLOSE_GRACE_MS = 1000;

export function buildApi(deps: ApiDeps): FastifyInstance {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const clock = deps.clock ?? Date.now;
  const metrics = createApiMetrics(deps.metrics ?? new Registry());
  const closing = new AbortController();
  // Every held long-poll listens for the server closing: thousands of listeners are expected, not a leak.
  setMaxListeners(0, closing.signal);
  const app: FastifyInstance = fastify({
    loggerInstance: deps.logger,
    // One line per request is written by the onResponse hook below, with the fields we want.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    return503OnClosing: true,
    // Behind a load balancer every request comes from its address: without this, the admin sign-in
    // limit would lock every client out together, and the logs would name the balancer.
    // (A count of hops is not offered: fastify trusts no hop count, since it cannot tell a proxy from
    // a client that sends as many X-Forwarded-For entries.)
    trustProxy: deps.trustedProxies !== undefined && deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
    // Keep-alive connections idle at close are closed, not left to time out.
    forceCloseConnections: 'idle',
    // An id from a proxy in front is kept if it is sane, so one request can be followed across logs.
    requestIdHeader: false,
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    },
  });
  app.decorateRequest('appId', '');
  app.decorateRequest('consoleSession', null);

  // JSON only (415 for anything else), and a parser that says where a body stops being JSON, which
  // fastify's own does not.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(apiError('invalid_json', 'the body is empty'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(apiError('invalid_json', (error as Error).message), undefined);
    }
  });

  // The hooks every request runs are callbacks, not async functions: an async hook costs a promise and
  // a turn of the microtask queue per request, and these run thousands of times a second on the ingest.
  const closingSignal = closing.signal;
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    // Closing: see preClose below.
    if (closingSignal.aborted) reply.header('connection', 'close');
    done(null, payload);
  });
  // Every request is counted (metrics); its log line is sampled when it succeeded (request-log.ts).
  const everyRequestLogged = app.log.level === 'debug' || app.log.level === 'trace';
  const sampler = new RequestLogSampler(SUCCESS_LINES_PER_ROUTE_PER_SECOND, clock);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    observeRequest(metrics, request.method, route ?? 'unmatched', status, reply.elapsedTime / 1000);
    const unlogged = status >= 400 || everyRequestLogged ? 0 : sampler.admit(route ?? 'unmatched');
    if (unlogged !== undefined) {
      const fields = {
        method: request.method,
        path: request.url.split('?', 1)[0],
        route,
        status,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...(request.appId === '' ? {} : { appId: request.appId }),
        ...(unlogged === 0 ? {} : { unlogged }),
      };
      if (status >= 500) request.log.error(fields, 'request');
      else request.log.info(fields, 'request');
    }
    done();
  });
  // Closing: held long-polls are answered before the server stops listening (preClose, not onClose:
  // fastify runs onClose only once every connection has ended, which a held request would delay to
  // the end of its wait). Clients on keep-alive connections may go on sending meanwhile (each is
  // answered 503): answers then say `connection: close`, connections gone idle are closed as they go,
  // and what is still open a grace period later is closed outright, so that stopping is bounded.
  const held = new Set<Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];
  const stopping = deps.stopping;
  if (stopping !== undefined) {
    // Stopping begins before the server closes (which would refuse new connections): held long-polls
    // are answered as for a close, and what arrives meanwhile is answered 503 without being served.
    stopping.signal.addEventListener('abort', () => closing.abort(), { once: true });
    app.addHook('onRequest', (request, reply, done) => {
      if (stopping.signal.aborted) {
        const error = apiError('stopping');
        reply.code(error.statusCode).header('retry-after', '1').send({ error: error.code, message: error.message, requestId: request.id });
        return;
      }
      // The response's 'close' comes once it is answered, or once the connection is gone without an
      // answer: either way the request is no longer being served.
      reply.raw.once('close', stopping.enter());
      done();
    });
  }
  app.addHook('preClose', async () => {
    closing.abort();
    timers.push(setInterval(() => app.server.closeIdleConnections(), 100).unref());
    await Promise.allSettled([...held]);
    timers.push(setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS).unref());
  });
  app.addHook('onClose', async () => timers.forEach(clearTimeout));

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const known = error instanceof ApiError ? error : translate(error as FastifyError, limits, request.headers['content-type'] ?? 'none');
    if (known === undefined) {
      request.log.error({ err: error, ...(request.appId === '' ? {} : { appId: request.appId }) }, 'request failed');
      const internal = apiError('internal');
      return reply.code(internal.statusCode).send({ error: internal.code, message: internal.message, requestId: request.id } satisfies ErrorReply);
    }
    return reply.code(known.statusCode).send({ error: known.code, message: known.message, requestId: request.id, ...known.details } satisfies ErrorReply);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = apiError('not_found', request.method, request.url.split('?', 1)[0] as string);
    return reply.code(404).send({ error: error.code, message: error.message, requestId: request.id } satisfies ErrorReply);
  });

  const authenticateAgent = agentAuth(deps.registry);
  const reads = new AgentReads(deps.reader, deps.cache, { clock, pageSize: limits.pageSize, ...deps.reads });
  const notifier = deps.notifier ?? new ResponseChangeNotifier(deps.cache, deps.feed, deps.logger);

  registerHealth(app, deps.registry, packageVersion(), () => deps.failures?.list ?? []);
  const limiter = new IngestRateLimiter(deps.ingestRate ?? (() => DEFAULT_INGEST_RATE), clock);
  registerIngestMetrics(deps.metrics ?? new Registry(), { publisher: deps.publisher.stats, limiter });
  registerIngest(app, { publisher: deps.publisher, limits, metrics, authenticate: authenticateAgent, limiter });
  registerAgentRules(app, { reads, pack: deps.rulesPack ?? loadRulesPack(), authenticate: authenticateAgent, clock });
  registerAgentResponses(app, { reads, feed: deps.feed, limits, metrics, authenticate: authenticateAgent, clock, closing: closing.signal, held });
  // The admin API takes the admin token or a console session (src/api/console/admin-access.ts); with
  // no admin token configured it answers 404 admin_off, which says how to turn it on.
  const credentials = deps.console?.credentials ?? adminCredentials({ token: deps.adminToken });
  const sessions = deps.console?.sessions ?? new MemorySessionStore();
  const check = { credentials, limiter: new SignInLimiter(deps.signInLimits, clock) };
  registerSignInMetrics(deps.metrics ?? new Registry(), check.limiter);
  const access = adminAccess(check, sessions);
  registerAdmin(app, { directory: deps.registry, reader: deps.reader, notifier, authenticate: access, clock });
  registerConsole(app, deps.console ?? {}, {
    directory: deps.registry,
    reader: deps.reader,
    feed: deps.feed,
    check,
    sessions,
    access,
    clock,
    closing: closing.signal,
    held,
  });
  return app;
}

/** fastify's own errors, in the API's terms; undefined for what is not the client's fault. */
function translate(error: FastifyError, limits: ApiLimits, contentType: string): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('body_too_large', limits.bodyBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError('unsupported_media_type', contentType);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('invalid_json', 'the body is shorter or longer than its Content-Length');
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return apiError('bad_request', error.message);
      }
      return undefined;
  }
}
