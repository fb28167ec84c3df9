/**
 * GET /v1/agent/rules: the rules pack and the application's active responses, with a cursor to
 * follow the change feed from. The weak ETag covers the pack and the set of active responses, so an
 * agent polling with If-None-Match gets 304 until something it enforces changes.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { StoredResponse } from '../core/ports';
import type { ActiveRead, AgentReads } from './agent-reads';
import { agentView } from './agent-view';
import { encodeAgentCursor } from './cursor';
import type { AuthHook } from './auth';
import type { RulesPack } from './rules-pack';

export interface RulesRouteDeps {
  reads: AgentReads;
  pack: RulesPack;
  authenticate: AuthHook;
  clock: () => number;
}

function rulesEtag(pack: RulesPack, active: readonly StoredResponse[]): string {
  const hash = createHash('sha256').update(pack.hash);
  for (const r of active) hash.update(`\n${r.id}\t${r.changeKey}`);
  return `W/"${hash.digest('base64url').slice(0, 27)}"`;
}

/** If-None-Match holds `*` or a list of (weak or strong) tags; weak comparison, as RFC 9110 asks for GET. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

export function registerAgentRules(app: FastifyInstance, deps: RulesRouteDeps): void {
  // Agents poll this endpoint; while the active set is the same ActiveRead, its ETag and body are too.
  const representations = new WeakMap<ActiveRead, { etag: string; body?: string }>();
  app.get('/v1/agent/rules', { onRequest: deps.authenticate }, async (request, reply) => {
    const active = await deps.reads.active(request.appId);
    let representation = representations.get(active);
    if (representation === undefined) {
      representation = { etag: rulesEtag(deps.pack, active.responses) };
      representations.set(active, representation);
    }
    reply.header('etag', representation.etag).header('cache-control', 'private, no-cache');
    if (etagMatches(request.headers['if-none-match'], representation.etag)) return reply.code(304).send();
    if (representation.body === undefined) {
      const now = deps.clock();
      representation.body = JSON.stringify({
        pack: deps.pack.content,
        responses: active.responses.map((r) => agentView(r, now)),
        cursor: encodeAgentCursor(active.cursor),
      });
    }
    return reply.type('application/json; charset=utf-8').send(representation.body);
  });
}
