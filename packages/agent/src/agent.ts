/**
 * `createAgent()`: the agent an application creates once and installs as middleware. It composes
 * the parts (each in its own file) and owns their lifetimes; there is no global state, so a process
 * may hold several agents (two applications, or a test) and close each.
 */
import type { IncomingMessage } from 'node:http';
import { canonicalIp } from './ip';
import { clientIpResolver } from './client-ip';
import { cleanProps, cleanText, cleanUser, EventFactory, TEXT_LIMITS, type EventType, type TrackEvent } from './events';
import { EventExporter } from './exporter';
import { fastifyPlugin, type FastifyPlugin } from './fastify';
import { Guard } from './guard';
import { HttpClient } from './http-client';
import type { InspectedRequest, RuleHit } from './inspect';
import { ThrottledLogger } from './logger';
import { connectMiddleware, type Answering, type ConnectMiddleware } from './middleware';
import { type AgentOptions, resolveOptions } from './options';
import { ResponseTable } from './response-table';
import { compilePack, type CompiledPack } from './rules';
import { Counters, type AgentStats } from './stats';
import { ResponseSync } from './sync';

export interface RiposteAgent {
  /** Connect-style middleware for Express, Connect and `node:http`. Mount it after the body parsers to have bodies inspected. */
  middleware(): ConnectMiddleware;
  /** The same as a Fastify plugin: `app.register(agent.fastify())`. */
  fastify(): FastifyPlugin;
  /**
   * Reports a login (`login_failure`, `login_success`) or a `custom` event; the client's address comes
   * from `req` (Node's request, or Fastify's). Never throws.
   */
  track(event: TrackEvent, req?: IncomingMessage | { raw: IncomingMessage }): void;
  /** Resolves true once the first rules and responses are loaded; false if `timeoutMs` passes first or the agent is closed. Never rejects. */
  ready(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Stops following Riposte and sends the events still queued, within `timeoutMs` (default 2,000); true when all were delivered. */
  close(options?: { timeoutMs?: number }): Promise<boolean>;
  stats(): AgentStats;
  /** The client's address as the agent sees it (trustProxy applied), in canonical form. */
  clientIp(req: IncomingMessage): string | undefined;
}

const TRACKED: ReadonlySet<string> = new Set(['login_failure', 'login_success', 'custom']);
const SWEEP_MS = 60_000;
const VERSION = '0.1.0';

function trackProblem(event: TrackEvent): string | undefined {
  if (typeof event !== 'object' || event === null) return 'the event is not an object: track({ type: "login_failure", user: { login } }, req)';
  if (!TRACKED.has(event.type)) {
    return `type ${JSON.stringify(event.type)} is not login_failure, login_success or custom (the middleware reports attacks and 404s itself)`;
  }
  if (event.type === 'custom' && (typeof event.event !== 'string' || event.event === '')) return 'a custom event needs its name: track({ type: "custom", event: "gift_card_redeem" }, req)';
  return undefined;
}

function requestFields(req: InspectedRequest, status?: number): Record<string, unknown> {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  const request: Record<string, unknown> = {
    method: cleanText(req.method ?? 'GET', TEXT_LIMITS.short),
    path: cleanText(q === -1 ? url : url.slice(0, q), TEXT_LIMITS.path),
  };
  if (status !== undefined) request.status = status;
  return request;
}

function actorOf(ip: string, req: IncomingMessage | undefined, userAgent?: string): { ip: string; userAgent?: string } {
  const agent = req?.headers['user-agent'] ?? userAgent;
  return typeof agent === 'string' && agent !== '' ? { ip, userAgent: cleanText(agent, TEXT_LIMITS.userAgent) } : { ip };
}

class Agent implements RiposteAgent {
  readonly #counters = new Counters();
  readonly #table = new ResponseTable();
  readonly #log: ThrottledLogger;
  readonly #client: HttpClient;
  readonly #events: EventFactory;
  readonly #exporter: EventExporter;
  readonly #sync: ResponseSync;
  readonly #guard: Guard;
  readonly #answering: Answering;
  readonly #sweeper: NodeJS.Timeout;
  #pack: CompiledPack | undefined;
  #closing: Promise<boolean> | undefined;
  #markClosed!: () => void;
  readonly #closed = new Promise<void>((resolve) => (this.#markClosed = resolve));

  constructor(options: AgentOptions) {
    const o = resolveOptions(options);
    this.#log = new ThrottledLogger(o.logger);
    this.#client = new HttpClient(o.url, o.token, `riposte-agent/${VERSION} node/${process.versions.node}`);
    this.#events = new EventFactory(o.agentId, o.host);
    this.#exporter = new EventExporter(this.#client, o.batch, o.retry, this.#log, this.#counters.events);
    this.#sync = new ResponseSync(this.#client, this.#table, o.sync, o.retry, this.#log, { onPack: (pack) => this.#setPack(pack) });
    const failed = (error: unknown, where: string): void => {
      this.#counters.requests.errors += 1;
      this.#log.log('error', `failed:${where}`, { err: error, where }, `the agent failed in ${where}; the request went on without it`);
    };
    const clientIp = clientIpResolver(o.trustProxy, (error) => failed(error, 'options.trustProxy'));
    this.#guard = new Guard({
      table: this.#table,
      clientIp,
      identify: o.identify,
      pack: () => this.#pack,
      maxInspectChars: o.maxInspectChars,
      counters: this.#counters.requests,
      reportHits: (req, ip, hits) => this.#reportHits(req, ip, hits),
      failed,
      clock: Date.now,
    });
    const notFound = o.reportNotFound
      ? (req: IncomingMessage, ip: string) => this.#report('request', actorOf(ip, req), { request: requestFields(req, 404) })
      : undefined;
    this.#answering = { guard: this.#guard, blockReply: o.blockReply, notFound, failed };
    this.#sweeper = setInterval(() => {
      try {
        this.#table.sweep(Date.now());
      } catch (error) {
        failed(error, 'sweeping expired responses');
      }
    }, SWEEP_MS);
    this.#sweeper.unref();
    this.#sync.start();
  }

  middleware(): ConnectMiddleware {
    return connectMiddleware(this.#answering);
  }

  fastify(): FastifyPlugin {
    return fastifyPlugin(this.#answering);
  }

  track(event: TrackEvent, request?: IncomingMessage | { raw: IncomingMessage }): void {
    try {
      const req = request !== undefined && 'raw' in request ? request.raw : request;
      const problem = trackProblem(event);
      const ip = problem === undefined ? (req === undefined ? canonicalIp(String(event.actor?.ip ?? '')) : this.#guard.clientIp(req)) : undefined;
      if (problem !== undefined || ip === undefined) {
        this.#counters.events.invalid += 1;
        const why = problem ?? 'the client\'s address is unknown: pass the request, track(event, req), or an actor.ip';
        this.#log.log('warn', 'track', {}, `track() ignored an event: ${why}`);
        return;
      }
      const fields: Record<string, unknown> = {};
      if (event.user !== undefined) fields.user = cleanUser(event.user);
      if (event.type === 'custom') fields.event = cleanText(event.event, TEXT_LIMITS.short);
      if (event.props !== undefined) fields.props = cleanProps(event.props);
      if (req !== undefined) fields.request = requestFields(req);
      this.#report(event.type, actorOf(ip, req, event.actor?.userAgent), fields);
    } catch (error) {
      this.#counters.requests.errors += 1;
      this.#log.log('error', 'track-failed', { err: error }, 'track() failed; the event is lost');
    }
  }

  async ready(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.#sync.ready) return true;
    if (this.#closing !== undefined) return false;
    // Closing the agent answers a ready() still waiting: false, as it will never load now.
    const waits: Promise<boolean>[] = [this.#sync.whenReady.then(() => true), this.#closed.then(() => false)];
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      waits.push(new Promise((resolve) => (timer = setTimeout(() => resolve(false), options.timeoutMs).unref())));
    }
    try {
      return await Promise.race(waits);
    } finally {
      clearTimeout(timer);
    }
  }

  close(options: { timeoutMs?: number } = {}): Promise<boolean> {
    this.#closing ??= (async () => {
      this.#markClosed();
      clearInterval(this.#sweeper);
      await this.#sync.stop();
      const delivered = await this.#exporter.close(options.timeoutMs ?? 2000);
      this.#client.close();
      return delivered;
    })();
    return this.#closing;
  }

  stats(): AgentStats {
    return {
      ready: this.#sync.ready,
      connected: this.#sync.connected,
      rules: { version: this.#pack?.version ?? null, count: this.#pack?.rules.length ?? 0 },
      responses: this.#table.counts(Date.now()),
      requests: { ...this.#counters.requests },
      events: { ...this.#counters.events, queued: this.#exporter.queued, sending: this.#exporter.sending },
    };
  }

  clientIp(req: IncomingMessage): string | undefined {
    return this.#guard.clientIp(req);
  }

  #report(type: EventType, actor: { ip: string; userAgent?: string }, fields: Record<string, unknown>): void {
    this.#exporter.add(this.#events.make(type, actor, fields));
  }

  #reportHits(req: IncomingMessage, ip: string, hits: readonly RuleHit[]): void {
    for (const { rule } of hits) {
      this.#report('attack', actorOf(ip, req), {
        attack: { category: rule.category, rule: rule.id, blocked: rule.action === 'block' },
        request: requestFields(req),
      });
    }
  }

  #setPack(value: unknown): void {
    const pack = compilePack(value);
    if (typeof pack === 'string') {
      this.#log.log('error', 'pack', {}, `${pack}; the agent keeps the rules it had`);
      return;
    }
    for (const problem of pack.skipped) this.#log.log('warn', `rule:${problem}`, {}, `rules pack ${pack.version}: ${problem}`);
    this.#pack = pack;
  }
}

/** Creates an agent and starts following Riposte. Throws only here, for options it cannot use. */
export function createAgent(options: AgentOptions): RiposteAgent {
  return new Agent(options);
}
