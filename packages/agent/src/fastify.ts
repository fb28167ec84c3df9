/**
 * The agent as a Fastify plugin: `app.register(agent.fastify())`. Responses on the client's address
 * are checked in `onRequest`, before Fastify reads the body; responses on the user and the rules in
 * `preHandler`, once the body is parsed and the application's own hooks (sessions, authentication)
 * have run, with Fastify's request given to `identify` as its second argument; 404s are reported from
 * `onResponse`. The plugin is marked `skip-override` (what the
 * `fastify-plugin` package does), so its hooks apply to every route of the instance it is registered
 * on, and the agent needs no Fastify dependency: it types only what it uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision } from './decision';
import type { InspectedRequest } from './inspect';
import type { Answering } from './middleware';

interface FastifyRequestLike {
  raw: IncomingMessage;
  body?: unknown;
}

interface FastifyReplyLike {
  raw: ServerResponse;
  statusCode: number;
  sent: boolean;
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload?: string): FastifyReplyLike;
}

type Done = (error?: Error) => void;
type Hook = (request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => void;

interface FastifyInstanceLike {
  addHook(name: 'onRequest' | 'preHandler' | 'onResponse', hook: Hook): unknown;
}

export type FastifyPlugin = (instance: unknown, options: unknown, done: Done) => void;

function send(a: Answering, decision: Decision, request: FastifyRequestLike, reply: FastifyReplyLike): void {
  if (decision.kind === 'redirect') {
    reply.code(303).headers({ location: decision.location, 'cache-control': 'no-store' }).send();
    return;
  }
  const answer = a.blockReply(decision.block, request.raw);
  reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body ?? '');
}

export function fastifyPlugin(a: Answering): FastifyPlugin {
  const { guard, notFound } = a;
  /** Runs `decide`; answers and returns true when the request is stopped. */
  const stop = (request: FastifyRequestLike, reply: FastifyReplyLike, decide: (ip: string | undefined) => Decision | undefined): boolean => {
    let decision: Decision | undefined;
    try {
      decision = decide(guard.clientIp(request.raw));
      if (decision === undefined || reply.sent) return false;
      send(a, decision, request, reply);
      return true;
    } catch (error) {
      a.failed(error, 'fastify hook');
      return reply.sent;
    }
  };
  const plugin: FastifyPlugin = (instance, _options, done) => {
    const app = instance as FastifyInstanceLike;
    app.addHook('onRequest', (request, reply, next) => {
      if (!stop(request, reply, (ip) => guard.checkAddress(request.raw as InspectedRequest, ip))) next();
    });
    app.addHook('preHandler', (request, reply, next) => {
      const raw = request.raw as InspectedRequest;
      if (!stop(request, reply, (ip) => guard.checkUser(raw, ip, request) ?? guard.checkContent(raw, request.body, ip))) next();
    });
    if (notFound !== undefined) {
      app.addHook('onResponse', (request, reply, next) => {
        try {
          const ip = reply.statusCode === 404 ? guard.clientIp(request.raw) : undefined;
          if (ip !== undefined) notFound(request.raw, ip);
        } catch (error) {
          a.failed(error, 'fastify onResponse');
        }
        next();
      });
    }
    done();
  };
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@riposte/agent' });
  return plugin;
}
