/**
 * What the console changes in an application, through the same code as `riposte apps` (the
 * registry's AppRegistry, which validates settings as the settings file is validated), and the
 * response detail:
 *
 * - GET  /v1/admin/detectors                      the built-in detectors and their parameters, for the settings form
 * - PUT  /v1/admin/apps/:appId/settings           replace the settings; 400 invalid_settings with `issues` by key
 * - GET  /v1/admin/apps/:appId/playbooks          each playbook with what `riposte playbooks check` says of it
 * - POST /v1/admin/apps/:appId/token              a new agent token (shown once), the previous ones revoked
 * - GET  /v1/admin/apps/:appId/responses/:id      one response
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDirectory } from '../admin';
import { agentView } from '../agent-view';
import type { AuthHook } from '../auth';
import { apiError, apiErrorWith } from '../errors';
import { ConfigError } from '../../core/config-errors';
import type { DetectorDefinition } from '../../core/detector';
import type { ResponseReader } from '../../core/ports';
import { formatIssues } from '../../events/schema';
import { checkPlaybook } from '../../playbooks/check';
import { PlaybookDirectory } from '../../playbooks/directory';
import type { PlaybookEntry } from '../../playbooks/provider';
import { describeApp } from '../../registry/app-record';
import type { AppRegistry } from '../../registry/registry';
import { RegistryError } from '../../registry/store';
import type { AppReply, DetectorInfo, DetectorsReply, ErrorReply, FieldIssue, PlaybooksReply, ResponseReply, TokenRotation } from './wire';

export interface AppRouteDeps {
  directory: AppDirectory & { refresh(options?: { force?: boolean }): Promise<boolean> };
  registry: AppRegistry;
  definitions: readonly DetectorDefinition[];
  reader: ResponseReader;
  access: AuthHook;
  clock: () => number;
  /** RIPOSTE_PLAYBOOKS_DIR, when this process has it. */
  playbooksDir?: string;
}

const AppParams = z.object({ appId: z.string() });
const ResponseParams = z.object({ appId: z.string(), id: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'is not a response id') });
const SettingsBody = z.strictObject({ settings: z.record(z.string(), z.unknown()) });

/** A default the settings form can show as text; the form shows none for another kind of value. */
const plainDefault = (value: unknown): DetectorInfo['params'][number]['default'] =>
  typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : null;

/** A detector's parameters with their defaults (applied by its schema, so written once) and meanings. */
export function detectorCatalog(definitions: readonly DetectorDefinition[]): DetectorInfo[] {
  return definitions.map((d) => {
    const defaults = d.params.parse({}) as Record<string, unknown>;
    return {
      name: d.name,
      description: d.description,
      params: Object.entries(d.params.shape).map(([name, schema]) => ({
        name,
        default: plainDefault(defaults[name]),
        description: (schema as z.ZodType).description ?? null,
      })),
    };
  });
}

export function registerAppRoutes(app: FastifyInstance, deps: AppRouteDeps): void {
  const { directory, registry, access } = deps;
  const known = (appId: string): void => {
    if (!directory.snapshot.apps.has(appId)) throw apiError('unknown_app', appId);
  };
  const catalog = detectorCatalog(deps.definitions);

  app.get('/v1/admin/detectors', { onRequest: access }, async () => ({ detectors: catalog }) satisfies DetectorsReply);

  app.get('/v1/admin/apps/:appId/responses/:id', { onRequest: access }, async (request) => {
    const params = ResponseParams.safeParse(request.params);
    if (!params.success) throw apiError('invalid_query', 'path', formatIssues(params.error));
    const { appId, id } = params.data;
    known(appId);
    const response = await deps.reader.get(appId, id);
    if (response === undefined) throw apiError('unknown_response', appId, id);
    return { response: agentView(response, deps.clock()) } satisfies ResponseReply;
  });

  app.put('/v1/admin/apps/:appId/settings', { onRequest: access }, async (request) => {
    const { appId } = AppParams.parse(request.params);
    known(appId);
    const body = SettingsBody.safeParse(request.body);
    if (!body.success) throw apiError('invalid_body', formatIssues(body.error));
    let record;
    try {
      record = await registry.configure(appId, { settings: body.data.settings, source: 'the console' });
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'invalid_settings') {
        const cause = error.cause instanceof ConfigError ? error.cause.issues : [];
        // The registry validates `apps.<appId>`; the form knows the application's own keys.
        const prefix = `apps.${appId}.`;
        const issues = cause.map((i): FieldIssue => ({ path: i.path.startsWith(prefix) ? i.path.slice(prefix.length) : i.path, message: i.message }));
        throw apiErrorWith('invalid_settings', { issues } satisfies Pick<ErrorReply, 'issues'>, error.message);
      }
      if (error instanceof RegistryError && error.code === 'unknown_app') throw apiError('unknown_app', appId);
      throw error;
    }
    await directory.refresh({ force: true });
    request.log.info({ appId, revision: record.revision }, 'application settings changed from the console');
    return { app: describeApp(record) } satisfies AppReply;
  });

  app.get('/v1/admin/apps/:appId/playbooks', { onRequest: access }, async (request) => {
    const { appId } = AppParams.parse(request.params);
    known(appId);
    const own = (directory.snapshot.apps.get(appId)?.playbooks ?? []).map((p): PlaybookEntry => ({ ...p, origin: `registry:${appId}/${p.name}` }));
    const fromDir = deps.playbooksDir === undefined ? [] : await directoryPlaybooks(deps.playbooksDir, appId);
    return {
      playbooks: [...own, ...fromDir].map((entry) => {
        const check = checkPlaybook(entry, deps.definitions);
        return {
          name: entry.name,
          origin: entry.origin,
          ok: check.ok,
          summary: check.ok ? check.summary : null,
          problems: check.ok ? [] : check.problems.map(({ line, col, path, message }) => ({ line, col, path, message })),
        };
      }),
    } satisfies PlaybooksReply;
  });

  app.post('/v1/admin/apps/:appId/token', { onRequest: access }, async (request, reply) => {
    const { appId } = AppParams.parse(request.params);
    known(appId);
    const { token, revoked } = await registry.rotate(appId);
    await directory.refresh({ force: true });
    request.log.info({ appId, revoked }, 'agent token rotated from the console');
    reply.header('cache-control', 'no-store');
    return { token, revoked } satisfies TokenRotation;
  });
}

async function directoryPlaybooks(dir: string, appId: string): Promise<readonly PlaybookEntry[]> {
  const directory = new PlaybookDirectory(dir);
  await directory.refresh();
  return directory.playbooksFor(appId);
}
