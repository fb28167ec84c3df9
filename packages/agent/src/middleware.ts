/**
 * The agent as Connect-style middleware, `(req, res, next)`: what Express, Connect and a plain
 * `node:http` handler all call. It decides in memory and either answers (403, 303) or calls `next()`
 * at once; it never waits on the network and never throws into the application: an error of the
 * agent's own is counted and logged, and the request goes on as if the agent were not there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Block, Decision } from './decision';
import type { Guard } from './guard';
import type { InspectedRequest } from './inspect';
import type { BlockReply } from './options';

export type ConnectMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface Answering {
  guard: Guard;
  blockReply: (block: Block, req: IncomingMessage) => BlockReply;
  /** Reports a request the application answered 404; undefined when 404s are not reported. */
  notFound: ((req: IncomingMessage, clientIp: string) => void) | undefined;
  failed: (error: unknown, where: string) => void;
}

/** Writes the agent's answer on a raw response. */
export function answerRaw(a: Answering, decision: Decision, req: IncomingMessage, res: ServerResponse): void {
  if (decision.kind === 'redirect') {
    res.writeHead(303, { location: decision.location, 'cache-control': 'no-store' });
    res.end();
    return;
  }
  const reply = a.blockReply(decision.block, req);
  res.writeHead(reply.status, reply.headers);
  res.end(reply.body);
}

export function connectMiddleware(a: Answering): ConnectMiddleware {
  const { guard, notFound } = a;
  return function riposte(req, res, next) {
    let decision: Decision | undefined;
    let ip: string | undefined;
    try {
      ip = guard.clientIp(req);
      const r = req as InspectedRequest;
      decision = guard.checkAddress(r, ip) ?? guard.checkUser(r, ip) ?? guard.checkContent(r, (req as { body?: unknown }).body, ip);
    } catch (error) {
      a.failed(error, 'middleware');
    }
    if (decision !== undefined && !res.headersSent) {
      try {
        return answerRaw(a, decision, req, res);
      } catch (error) {
        // A custom blockReply threw, or gave a header Node refuses: the request goes on.
        a.failed(error, 'blocking a request');
        if (res.headersSent) return;
      }
    }
    if (notFound !== undefined && ip !== undefined) {
      const client = ip;
      res.once('finish', () => {
        // A throw here would be an uncaught exception in the application's process.
        try {
          if (res.statusCode === 404) notFound(req, client);
        } catch (error) {
          a.failed(error, 'reporting a 404');
        }
      });
    }
    next();
  };
}
