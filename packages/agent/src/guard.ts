/**
 * The decisions on one request, in the order of their cost:
 * 1. `checkAddress`: a response in force on the client's address (or a range holding it): a Map
 *    lookup, the whole cost of the hit path; then `checkUser`, on the user the application identifies.
 * 2. `checkContent`: the rules of the pack over the request's parts; each hit is reported as an
 *    `attack` event, and a `block` rule's hit answers 403.
 * A simulated response is never enforced: the request goes through and is counted.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientIpOf } from './client-ip';
import { ruleBlock, type Decision } from './decision';
import { type InspectedRequest, inspectRequest } from './inspect';
import type { ResponseTable, Entry } from './response-table';
import type { CompiledPack } from './rules';
import type { RequestCounters } from './stats';
import type { RuleHit } from './inspect';

export interface GuardDeps {
  table: ResponseTable;
  clientIp: ClientIpOf;
  identify: ((req: IncomingMessage, framework?: unknown) => string | null | undefined) | undefined;
  pack: () => CompiledPack | undefined;
  maxInspectChars: number;
  counters: RequestCounters;
  /** Reports the rule hits of a request (attack events). */
  reportHits: (req: IncomingMessage, clientIp: string, hits: readonly RuleHit[]) => void;
  /** An error on the request path: counted and logged, and the request goes through. */
  failed: (error: unknown, where: string) => void;
  clock: () => number;
}

/** The path of a redirect's target, to leave requests already going there alone. */
function locationPath(location: string): string | undefined {
  try {
    return new URL(location, 'http://agent.invalid').pathname;
  } catch {
    return undefined;
  }
}

function requestPath(req: InspectedRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export class Guard {
  constructor(private readonly deps: GuardDeps) {}

  clientIp(req: IncomingMessage): string | undefined {
    return this.deps.clientIp(req);
  }

  /** A response in force on the client's address (or a range holding it), as a decision. */
  checkAddress(req: InspectedRequest, ip: string | undefined): Decision | undefined {
    if (ip === undefined || !this.deps.table.hasIpTargets) return undefined;
    const entry = this.deps.table.matchIp(ip, this.deps.clock());
    if (entry === undefined) return undefined;
    if (!entry.simulated) return this.#enforce(entry, req, ip, undefined);
    this.deps.counters.simulated += 1;
    return undefined;
  }

  /**
   * A response in force on the request's user, as the application identifies them. `framework` is
   * what identify() receives besides the raw request: Fastify's request, decorated by its plugins.
   */
  checkUser(req: InspectedRequest, ip: string | undefined, framework?: unknown): Decision | undefined {
    if (!this.deps.table.hasUserTargets || this.deps.identify === undefined) return undefined;
    const user = this.#identify(req, framework);
    const entry = user === undefined ? undefined : this.deps.table.matchUser(user, this.deps.clock());
    if (entry === undefined) return undefined;
    if (!entry.simulated) return this.#enforce(entry, req, ip, user);
    this.deps.counters.simulated += 1;
    return undefined;
  }

  /** The rules' verdict on the request's content; hits are reported. */
  checkContent(req: InspectedRequest, body: unknown, ip: string | undefined): Decision | undefined {
    const pack = this.deps.pack();
    if (pack === undefined || pack.rules.length === 0 || this.deps.maxInspectChars === 0) return undefined;
    const found = inspectRequest(pack, req, body, this.deps.maxInspectChars);
    if (found === undefined) return undefined;
    const { counters } = this.deps;
    if (found.truncated) counters.truncated += 1;
    if (found.hits.length === 0) return undefined;
    if (ip !== undefined) this.deps.reportHits(req, ip, found.hits);
    counters.reportedByRule += found.hits.filter((h) => h.rule.action === 'report').length;
    if (found.block === undefined) return undefined;
    counters.blockedByRule += 1;
    return { kind: 'block', block: ruleBlock(found.block, ip) };
  }

  #identify(req: IncomingMessage, framework: unknown): string | undefined {
    try {
      const user = this.deps.identify?.(req, framework);
      return typeof user === 'string' && user !== '' ? user : undefined;
    } catch (error) {
      this.deps.failed(error, 'options.identify');
      return undefined;
    }
  }

  #enforce(entry: Entry, req: InspectedRequest, ip: string | undefined, user: string | undefined): Decision | undefined {
    const { response } = entry;
    if (response.action === 'ban') {
      this.deps.counters.banned += 1;
      return { kind: 'block', block: { kind: 'response', response, clientIp: ip, user } };
    }
    const location = response.redirectUrl as string;
    // The page the user is sent to is where they prove who they are: it must stay reachable.
    if (locationPath(location) === requestPath(req)) return undefined;
    this.deps.counters.redirected += 1;
    return { kind: 'redirect', location, response };
  }
}
