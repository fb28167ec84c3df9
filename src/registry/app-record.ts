/**
 * An application as the registry keeps it: its id, the hashes of its agent tokens, its settings
 * (the shape of one `apps.<id>` entry of the settings file, see src/engine/app-settings.ts) and its
 * playbooks (YAML kept verbatim; src/playbooks compiles them).
 */
import { z } from 'zod';
import type { AppSettings } from '../engine/app-settings';
import { APP_ID, LIMITS } from '../events/schema';
import { tokenId } from './tokens';

export interface AgentTokenRecord {
  /** Hex SHA-256 of the token; the token itself is never stored. */
  hash: string;
  createdAt: string;
}

export interface PlaybookSource {
  name: string;
  yaml: string;
}

export interface AppRecord {
  appId: string;
  createdAt: string;
  updatedAt: string;
  /** Incremented by every change: the optimistic-concurrency check of writers and the change mark of readers. */
  revision: number;
  tokens: AgentTokenRecord[];
  /** One application's settings: detectors, allowlist, repeatOffenders. Validated before it is stored. */
  settings: Record<string, unknown>;
  playbooks: PlaybookSource[];
}

export const PLAYBOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What a record read back from a file or a table must look like; anything else is reported, not trusted. */
export const AppRecordSchema = z.object({
  appId: z.string().regex(APP_ID).max(LIMITS.appId),
  createdAt: z.string(),
  updatedAt: z.string(),
  revision: z.int().min(0),
  tokens: z.array(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() })),
  settings: z.record(z.string(), z.unknown()),
  playbooks: z.array(z.object({ name: z.string().regex(PLAYBOOK_NAME), yaml: z.string() })),
});

/** Why `appId` cannot name an application, or null when it can. */
export function appIdProblem(appId: string): string | null {
  if (appId.length > 0 && appId.length <= LIMITS.appId && APP_ID.test(appId)) return null;
  return (
    `invalid application id ${JSON.stringify(appId)}: an application id has 1 to ${LIMITS.appId} characters, ` +
    'starts with a letter or digit, and contains only letters, digits and . _ : -'
  );
}

/**
 * An application as the admin API (and so the console, src/api/console/wire.ts) and `riposte apps
 * list` show it: token ids, never hashes.
 */
export interface AppSummary {
  appId: string;
  createdAt: string;
  updatedAt: string;
  revision: number;
  tokens: { id: string; createdAt: string }[];
  settings: AppSettings;
  /** The playbooks' names. */
  playbooks: string[];
}

export function describeApp(r: AppRecord): AppSummary {
  return {
    appId: r.appId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    revision: r.revision,
    tokens: r.tokens.map((t) => ({ id: tokenId(t.hash), createdAt: t.createdAt })),
    // Validated as AppSettings before it was stored (AppRegistry.configure); kept as written.
    settings: r.settings as AppSettings,
    playbooks: r.playbooks.map((p) => p.name),
  };
}
