/**
 * POST /v1/events: agents report events in batches. The application comes from the agent token; each
 * event is validated on its own, the valid ones go on the stream (partition key = application id),
 * and the answer says how many were accepted and, for each refused event, its index and why.
 * 202 when at least one event was accepted, once all of them are on the stream; 400 when none was
 * (nothing is written); 429 when the application is over its ingest rate, 503 when the write buffer
 * is full (nothing is written in either case); 503 naming the events the stream did not take after
 * retries (send the batch again: events with an id count once).
 *
 * The events of concurrent requests share their writes (event-publisher.ts): a request waits a few
 * milliseconds for others, and is answered only when the write holding its events is done.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatIssues } from '../events/schema';
import type { AuthHook } from './auth';
import { apiError, apiErrorWith } from './errors';
import type { EventPublisher } from './event-publisher';
import { prepareEvent } from './ingest-event';
import type { IngestRateLimiter } from './ingest-rate-limit';
import type { ApiLimits } from './limits';
import type { ApiMetrics } from './http-metrics';

const IngestBody = z.object({ events: z.array(z.unknown()) });

export interface Rejection {
  index: number;
  reason: string;
}

export interface IngestRouteDeps {
  publisher: EventPublisher;
  limits: ApiLimits;
  metrics: ApiMetrics;
  authenticate: AuthHook;
  limiter: IngestRateLimiter;
}

export function registerIngest(app: FastifyInstance, deps: IngestRouteDeps): void {
  const { publisher, limits, metrics } = deps;
  // Every outcome's series exists from the start, at 0, though a request counts only the ones it has.
  for (const outcome of ['accepted', 'rejected', 'failed', 'rate_limited', 'overloaded']) metrics.ingestEvents.inc({ outcome }, 0);
  app.post('/v1/events', { onRequest: deps.authenticate }, async (request, reply) => {
    const body = IngestBody.safeParse(request.body);
    if (!body.success) throw apiError('invalid_body', formatIssues(body.error));
    const events = body.data.events;
    if (events.length === 0) throw apiError('invalid_body', 'events is empty; send at least one event');
    if (events.length > limits.eventsPerRequest) throw apiError('too_many_events', events.length, limits.eventsPerRequest);

    const appId = request.appId;
    // Before any event is looked at: a flood costs the parsing of its bodies, nothing more.
    const share = deps.limiter.take(appId, events.length);
    if (!share.ok) {
      metrics.ingestEvents.inc({ outcome: 'rate_limited' }, events.length);
      reply.header('retry-after', String(share.retryAfterSeconds));
      throw apiError('rate_limited', appId, events.length, share.rate.eventsPerSecond, share.rate.burstEvents, share.retryAfterSeconds);
    }
    const accepted: Buffer[] = [];
    const acceptedIndex: number[] = [];
    const rejected: Rejection[] = [];
    events.forEach((event, index) => {
      const prepared = prepareEvent(event, appId, limits);
      if (prepared.ok) {
        accepted.push(prepared.data);
        acceptedIndex.push(index);
      } else {
        rejected.push({ index, reason: prepared.reason });
      }
    });
    // Most requests have none: an increment by 0 still looks its series up.
    if (rejected.length > 0) metrics.ingestEvents.inc({ outcome: 'rejected' }, rejected.length);
    if (accepted.length === 0) throw apiErrorWith('no_valid_events', { accepted: 0, rejected }, events.length);

    const outcome = await publisher.publish(appId, accepted);
    if (outcome.overloaded === true) {
      request.log.warn({ appId, events: accepted.length, reason: outcome.lastError }, 'ingest buffer full: events refused');
      metrics.ingestEvents.inc({ outcome: 'overloaded' }, accepted.length);
      reply.header('retry-after', '1');
      throw apiErrorWith('ingest_overloaded', { accepted: 0, failed: acceptedIndex, rejected });
    }
    if (outcome.failed.length > 0) {
      request.log.error({ appId, failed: outcome.failed.length, lastError: outcome.lastError }, 'events not written to the stream');
      metrics.ingestEvents.inc({ outcome: 'failed' }, outcome.failed.length);
      metrics.ingestEvents.inc({ outcome: 'accepted' }, accepted.length - outcome.failed.length);
      reply.header('retry-after', '1');
      throw apiErrorWith(
        'stream_unavailable',
        { accepted: accepted.length - outcome.failed.length, failed: outcome.failed.map((i) => acceptedIndex[i]), rejected },
        outcome.failed.length,
      );
    }
    metrics.ingestEvents.inc({ outcome: 'accepted' }, accepted.length);
    reply.code(202);
    return { accepted: accepted.length, rejected };
  });
}
