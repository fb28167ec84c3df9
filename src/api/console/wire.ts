/**
 * The JSON the console and the admin API exchange, endpoint by endpoint: one definition for both
 * sides. The routes type what they answer with these (`satisfies`, or a function's return type), and
 * the console's client (console/src/api.ts) imports them, so a change on one side that the other does
 * not follow fails `npm run typecheck`, not the page in someone's browser.
 *
 * Types only, imported with `import type`: the console's build erases them, so no server code reaches
 * the bundle (a value exported here would; wire.test.ts refuses one). Shapes the server already names
 * are re-exported, not restated: a response is what agents get (agent-view.ts), an application what
 * `riposte apps list` prints (registry/app-record.ts), its settings an `apps.<id>` entry of the
 * settings file (engine/app-settings.ts). bundle.ts hashes this file with the console's sources.
 */
import type { AgentResponse } from '../agent-view';
import type { ApiErrorCode } from '../errors';
import type { AppSummary } from '../../registry/app-record';
import type { AppSettings } from '../../engine/app-settings';

export type { AgentResponse, ResponseStatus } from '../agent-view';
export type { AppSummary } from '../../registry/app-record';
export type { AppSettings } from '../../engine/app-settings';

/** POST and GET /v1/admin/session. */
export interface SessionInfo {
  /** Sent back in `x-csrf-token` with every state-changing call; the page keeps it in memory only. */
  csrfToken: string;
  /** When the session ends whatever its use; it ends sooner after `idleMinutes` without use. */
  endsAt: string;
  idleMinutes: number;
}

/** GET /v1/admin/apps. */
export interface AppsReply {
  apps: AppSummary[];
}

/** GET /v1/admin/overview: per minute over the last hour, oldest first. */
export interface Overview {
  /** Start of each minute (epoch ms). */
  minutes: number[];
  apps: AppSeries[];
}

/** One application's figures in the overview, one number per minute of `Overview.minutes`. */
export interface AppSeries {
  appId: string;
  /** Events the ingest API accepted. */
  events: number[];
  /** Responses written (simulated ones included), by detector. */
  detections: Record<string, number[]>;
  /** Bans and redirects in force at the end of the minute (simulated ones are not). */
  activeBans: number[];
  activeRedirects: number[];
}

/** GET /v1/admin/detectors. */
export interface DetectorsReply {
  detectors: DetectorInfo[];
}

/** A built-in detector, for the settings form. */
export interface DetectorInfo {
  name: string;
  description: string;
  /** Each parameter with its default (null when it has no plain one) and what it means. */
  params: { name: string; default: number | string | boolean | null; description: string | null }[];
}

/** GET /v1/admin/apps/:appId/responses/:id and POST …/:id/revoke. */
export interface ResponseReply {
  response: AgentResponse;
}

/** PUT /v1/admin/apps/:appId/settings: the request. */
export interface SettingsChange {
  settings: AppSettings;
}

/** PUT /v1/admin/apps/:appId/settings: the application as it now is. */
export interface AppReply {
  app: AppSummary;
}

/** GET /v1/admin/apps/:appId/playbooks. */
export interface PlaybooksReply {
  playbooks: PlaybookCheck[];
}

/** A playbook and what `riposte playbooks check` says of it. */
export interface PlaybookCheck {
  name: string;
  /** Where it comes from: `registry:<app>/<name>`, or its file in RIPOSTE_PLAYBOOKS_DIR. */
  origin: string;
  ok: boolean;
  /** What the playbook fires on (count, distinct, sequence) and its flags, when it is valid. */
  summary: string | null;
  problems: { line: number; col: number; path: string; message: string }[];
}

/** POST /v1/admin/apps/:appId/token: the new agent token (shown this once) and how many were revoked. */
export interface TokenRotation {
  token: string;
  revoked: number;
}

/** Any refusal (src/api/errors.ts): its code, what was wrong and how to mend it. */
export interface ErrorReply {
  error: ApiErrorCode;
  message: string;
  /** Names the request in the server's log. */
  requestId: string;
  /** With `invalid_settings`: each refused setting. */
  issues?: FieldIssue[];
}

/** A refused setting in a 400 `invalid_settings` answer's `issues`. */
export interface FieldIssue {
  /** Path in the application's settings: `detectors.login-brute-force.threshold`, `allowlist.ips.2`. */
  path: string;
  message: string;
}

/** GET /v1/admin/feed: the data of each `response` event. */
export type FeedResponse = AgentResponse;
