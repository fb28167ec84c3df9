/**
 * Admin endpoints (admin token): the applications, an application's responses, and revoking one.
 * They read the store directly, not the agents' cache: an operator wants what is written now. A
 * revoke drops the application's cached reads and wakes its waiting agents, like a write does.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ResponseChangeNotifier } from '../cache/response-change-notifier';
import type { ResponseReader } from '../core/ports';
import { formatIssues } from '../events/schema';
import type { AppRecord } from '../registry/app-record';
import { describeApp } from '../registry/app-record';
import { agentView } from './agent-view';
import { decodeKey, encodeKey } from './cursor';
import type { AuthHook } from './auth';
import { apiError } from './errors';
import type { AppsReply, ResponseReply } from './console/wire';

export interface AppDirectory {
  readonly snapshot: { readonly apps: ReadonlyMap<string, AppRecord> };
}

export interface AdminRouteDeps {
  directory: AppDirectory;
  reader: ResponseReader;
  notifier: ResponseChangeNotifier;
  authenticate: AuthHook;
  clock: () => number;
}

const AppParams = z.object({ appId: z.string() });
const ResponseParams = z.object({ appId: z.string(), id: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'is not a response id') });
const ListQuery = z.strictObject({
  state: z.enum(['active', 'all']).default('active'),
  after: z.string().min(1).max(400).optional(),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'must be a whole number from 1 to 1000')
    .default(100),
});

export function registerAdmin(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { directory, reader, notifier, clock } = deps;
  const known = (appId: string): void => {
    if (!directory.snapshot.apps.has(appId)) throw apiError('unknown_app', appId);
  };

  app.get('/v1/admin/apps', { onRequest: deps.authenticate }, async () => ({
    apps: [...directory.snapshot.apps.values()]
      .sort((a, b) => (a.appId < b.appId ? -1 : 1))
      .map(describeApp),
  }) satisfies AppsReply);

  app.get('/v1/admin/apps/:appId/responses', { onRequest: deps.authenticate }, async (request) => {
    const { appId } = AppParams.parse(request.params);
    const query = ListQuery.safeParse(request.query);
    if (!query.success) throw apiError('invalid_query', 'query', formatIssues(query.error));
    known(appId);
    const now = clock();
    if (query.data.state === 'active') {
      return { responses: (await reader.active(appId, now)).map((r) => agentView(r, now)) };
    }
    const after = query.data.after === undefined ? null : decodeKey(query.data.after, 'after', now, 60_000);
    const page = await reader.changes(appId, after, query.data.limit + 1);
    const more = page.length > query.data.limit;
    const items = more ? page.slice(0, query.data.limit) : page;
    const last = items.at(-1)?.changeKey;
    return {
      responses: items.map((r) => agentView(r, now)),
      cursor: last === undefined ? (query.data.after ?? null) : encodeKey(last),
      more,
    };
  });

  app.post('/v1/admin/apps/:appId/responses/:id/revoke', { onRequest: deps.authenticate }, async (request) => {
    const params = ResponseParams.safeParse(request.params);
    if (!params.success) throw apiError('invalid_query', 'path', formatIssues(params.error));
    const { appId, id } = params.data;
    known(appId);
    const now = clock();
    const revoked = await reader.revoke(appId, id, now);
    if (revoked === undefined) throw apiError('unknown_response', appId, id);
    await notifier.changed([appId]);
    request.log.info({ appId, responseId: id }, 'response revoked');
    return { response: agentView(revoked, now) } satisfies ResponseReply;
  });
}
