/**
 * The console's overview: for each application, per minute over the last hour, the events the
 * ingest API accepted (event-counts.ts), the detections by detector, and the bans and redirects in
 * force. Detections and responses in force are derived from the responses table, which every
 * detection process writes to, so the figures are the same whichever process serves the page:
 *
 * - a detection is a response written (simulated ones included), counted in the minute of its
 *   `createdAt`; a detector firing on a target that is already answered writes nothing, and is not
 *   counted;
 * - a ban or redirect is in force at the end of a minute if it was created by then and had neither
 *   expired nor been revoked; simulated responses are not in force (agents do not enforce them).
 */
import type { FastifyInstance } from 'fastify';
import type { AuthHook } from '../auth';
import type { AppDirectory } from '../admin';
import type { StoredResponse } from '../../core/ports';
import { MINUTE_MS, type EventCounts } from './event-counts';
import type { AppSeries, Overview } from './wire';

export const OVERVIEW_MINUTES = 60;

/** What the overview reads of the responses table: every response in force at or after `sinceMs`. */
export interface ResponseTimeline {
  recent(appId: string, sinceMs: number): Promise<readonly StoredResponse[]>;
}

export type TimelineResponse = Pick<StoredResponse, 'action' | 'detector' | 'createdAt' | 'expiresAt' | 'revokedAt' | 'simulated'>;

/** The starts of the `count` minutes that end with the current one. */
export function lastMinutes(nowMs: number, count = OVERVIEW_MINUTES): number[] {
  const current = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  return Array.from({ length: count }, (_, i) => current - (count - 1 - i) * MINUTE_MS);
}

export function responseSeries(responses: readonly TimelineResponse[], minutes: readonly number[], nowMs: number): Omit<AppSeries, 'appId' | 'events'> {
  const detections: Record<string, number[]> = {};
  const activeBans = minutes.map(() => 0);
  const activeRedirects = minutes.map(() => 0);
  const first = minutes[0] ?? nowMs;
  for (const r of responses) {
    const created = Date.parse(r.createdAt);
    const slot = Math.floor((created - first) / MINUTE_MS);
    if (slot >= 0 && slot < minutes.length) {
      const counts = (detections[r.detector] ??= minutes.map(() => 0));
      counts[slot] = (counts[slot] ?? 0) + 1;
    }
    if (r.simulated) continue;
    const ends = Math.min(Date.parse(r.expiresAt), r.revokedAt === null ? Infinity : Date.parse(r.revokedAt));
    const active = r.action === 'ban' ? activeBans : activeRedirects;
    minutes.forEach((start, i) => {
      // The end of the minute, or now for the minute under way.
      const at = Math.min(start + MINUTE_MS - 1, nowMs);
      if (created <= at && at < ends) active[i] = (active[i] ?? 0) + 1;
    });
  }
  return { detections, activeBans, activeRedirects };
}

export interface OverviewRouteDeps {
  directory: AppDirectory;
  timeline: ResponseTimeline;
  counts: EventCounts;
  access: AuthHook;
  clock: () => number;
}

export function registerOverview(app: FastifyInstance, deps: OverviewRouteDeps): void {
  app.get('/v1/admin/overview', { onRequest: deps.access }, async () => {
    const now = deps.clock();
    const minutes = lastMinutes(now);
    const first = minutes[0] as number;
    const appIds = [...deps.directory.snapshot.apps.keys()].sort();
    const apps = await Promise.all(
      appIds.map(async (appId): Promise<AppSeries> => {
        const [responses, events] = await Promise.all([deps.timeline.recent(appId, first), deps.counts.series(appId, first, minutes.length)]);
        return { appId, events, ...responseSeries(responses, minutes, now) };
      }),
    );
    return { minutes, apps } satisfies Overview;
  });
}
