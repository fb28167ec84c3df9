/**
 * The console on the API's fastify instance: its pages (/console/), the admin session, and the admin
 * endpoints only the console uses (overview, live feed, settings, playbooks, token rotation, response
 * detail). buildApi calls this; what it needs that the API does not already have comes in `ConsoleDeps`.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDirectory } from '../admin';
import type { AuthHook } from '../auth';
import type { ChangeFeed } from '../../cache/change-feed';
import type { DetectorDefinition } from '../../core/detector';
import type { ResponseReader } from '../../core/ports';
import type { AppRegistry } from '../../registry/registry';
import type { AdminTokenCheck } from './admin-access';
import type { AdminCredentials } from './admin-credentials';
import { registerAppRoutes } from './app-routes';
import type { ConsoleBundle } from './bundle';
import { countAcceptedEvents, MemoryEventCounts, type EventCounts } from './event-counts';
import { registerFeed, type FeedTiming } from './feed-route';
import { registerOverview, type ResponseTimeline } from './overview';
import { registerPages } from './pages';
import { registerSessionRoutes } from './session-routes';
import type { SessionStore } from './sessions';

export interface ConsoleDeps {
  /** The admin credentials (RIPOSTE_ADMIN_TOKEN, or the stored one of an embedded deployment). */
  credentials?: AdminCredentials;
  sessions?: SessionStore;
  counts?: EventCounts;
  /** Settings and token rotation go through it; without it those endpoints are not served. */
  registry?: AppRegistry;
  definitions?: readonly DetectorDefinition[];
  /** Without it the overview has no detections or responses in force (the API's reader has no history). */
  timeline?: ResponseTimeline;
  /** The built pages; without them /console is not served (the admin endpoints still are). */
  bundle?: ConsoleBundle;
  playbooksDir?: string;
  feedTiming?: Partial<FeedTiming>;
}

export interface ConsoleWiring {
  directory: AppDirectory & { refresh(options?: { force?: boolean }): Promise<boolean> };
  reader: ResponseReader;
  feed: ChangeFeed;
  /** The admin credentials and the limit on wrong tokens. */
  check: AdminTokenCheck;
  sessions: SessionStore;
  access: AuthHook;
  clock: () => number;
  closing: AbortSignal;
  held: Set<Promise<unknown>>;
}

export function registerConsole(app: FastifyInstance, deps: ConsoleDeps, wiring: ConsoleWiring): void {
  const { directory, reader, access, clock } = wiring;
  const counts = deps.counts ?? new MemoryEventCounts();
  countAcceptedEvents(app, counts, clock);
  if (deps.bundle !== undefined) registerPages(app, deps.bundle);
  registerSessionRoutes(app, { check: wiring.check, sessions: wiring.sessions, access });
  const noHistory: ResponseTimeline = { recent: async () => [] };
  registerOverview(app, { directory, timeline: deps.timeline ?? noHistory, counts, access, clock });
  registerFeed(app, { directory, reader, feed: wiring.feed, sessions: wiring.sessions, access, clock, closing: wiring.closing, held: wiring.held, timing: deps.feedTiming });
  if (deps.registry !== undefined) {
    registerAppRoutes(app, { directory, registry: deps.registry, definitions: deps.definitions ?? [], reader, access, clock, playbooksDir: deps.playbooksDir });
  }
}
