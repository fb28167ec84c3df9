/**
 * GET /v1/agent/responses?since=CURSOR&wait=SECONDS: the responses of the token's application.
 * Without `since`: every active response and a cursor. With `since`: the changes after it (created,
 * revoked) and the next cursor; with `wait`, held open until there is something or the wait ends.
 * The cursor lives with the agent, so every replica of an agent gets every change.
 */
import type { FastifyInstance } from 'fastify';
import { concatMap, last, lastValueFrom, merge, ReplaySubject, takeUntil, takeWhile, timer } from 'rxjs';
import { z } from 'zod';
import type { ChangeFeed } from '../cache/change-feed';
import { formatIssues } from '../events/schema';
import { abortOf } from '../shared/rx';
import type { ActiveRead, AgentReads, ChangesRead } from './agent-reads';
import { agentView } from './agent-view';
import { decodeAgentCursor, encodeAgentCursor, type AgentCursor } from './cursor';
import type { AuthHook } from './auth';
import { apiError } from './errors';
import type { ApiMetrics } from './http-metrics';
import type { ApiLimits } from './limits';

export interface ResponsesRouteDeps {
  reads: AgentReads;
  feed: ChangeFeed;
  limits: ApiLimits;
  metrics: ApiMetrics;
  authenticate: AuthHook;
  clock: () => number;
  /** Aborted when the server closes, so held requests answer at once instead of at the end of their wait. */
  closing: AbortSignal;
  /** The held requests in progress, so that closing can wait until each has answered. */
  held: Set<Promise<unknown>>;
}

function querySchema(maxWait: number) {
  return z.strictObject({
    since: z.string().min(1).max(400).optional(),
    wait: z
      .string()
      .regex(/^\d{1,4}$/, `must be a whole number of seconds from 0 to ${maxWait}`)
      .transform(Number)
      .refine((n) => n <= maxWait, `must be a whole number of seconds from 0 to ${maxWait}`)
      .optional(),
  });
}

export function registerAgentResponses(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  const Query = querySchema(deps.limits.waitSeconds);
  const { reads, clock } = deps;
  const bodies = new WeakMap<ActiveRead, string>();

  app.get('/v1/agent/responses', { onRequest: deps.authenticate }, async (request, reply) => {
    const query = Query.safeParse(request.query);
    if (!query.success) throw apiError('invalid_query', 'query', formatIssues(query.error));
    const appId = request.appId;
    const { since, wait = 0 } = query.data;
    reply.header('cache-control', 'no-store');

    if (since === undefined) {
      // Agents fetch this often and it rarely changes: the body is serialized once per ActiveRead.
      const active = await reads.active(appId);
      let body = bodies.get(active);
      if (body === undefined) {
        const now = clock();
        body = JSON.stringify({ responses: active.responses.map((r) => agentView(r, now)), cursor: encodeAgentCursor(active.cursor), more: false });
        bodies.set(active, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    }
    const cursor = decodeAgentCursor(since, 'since', clock(), 60_000);
    const abort = new AbortController();
    const onClose = (): void => abort.abort();
    reply.raw.once('close', onClose);
    // A request that got past routing as the server began to close must not wait out its `wait`.
    if (deps.closing.aborted) abort.abort();
    else deps.closing.addEventListener('abort', onClose, { once: true });
    const polling = poll(appId, cursor, wait * 1000, abort.signal);
    deps.held.add(polling);
    try {
      const page = await polling;
      const now = clock();
      return { responses: page.responses.map((r) => agentView(r, now)), cursor: encodeAgentCursor(page.cursor), more: page.more };
    } finally {
      deps.held.delete(polling);
      reply.raw.off('close', onClose);
      deps.closing.removeEventListener('abort', onClose);
    }
  });

  async function poll(appId: string, cursor: AgentCursor, waitMs: number, signal: AbortSignal): Promise<ChangesRead> {
    if (waitMs === 0) return reads.changesSince(appId, cursor);
    const ended = merge(timer(waitMs), abortOf(signal));
    // Subscribed before the first read, and replayed: a change between that read and the wait wakes it at once.
    const changes = new ReplaySubject<void>(1);
    const unsubscribe = deps.feed.subscribe(appId, () => changes.next());
    deps.metrics.waiting.inc();
    try {
      const page = await reads.changesSince(appId, cursor);
      if (page.news || page.more) return page;
      // Each change is read, one read at a time, until one holds responses: after a wake-up even a
      // change that is not newer than the cursor (a write that became visible late) is what woke us.
      const reread = changes.pipe(
        takeUntil(ended),
        concatMap(() => reads.changesSince(appId, cursor)),
        takeWhile((next) => next.responses.length === 0, true),
        last(undefined, page),
      );
      return await lastValueFrom(reread);
    } finally {
      unsubscribe();
      deps.metrics.waiting.dec();
    }
  }
}
