/**
 * Per-application settings: detector overrides (parameters, on/off, simulation), allowlists, and the
 * repeat-offender policy. Written by people (a YAML or JSON file, or the application registry), so
 * every error names the application and the key, the value seen and what is allowed.
 *
 * ```yaml
 * defaults:                       # every application
 *   detectors:
 *     login-brute-force: { threshold: 8 }
 * apps:
 *   shop:
 *     allowlist: { ips: [10.0.0.0/8, 2001:db8::1], users: [monitor@shop.example] }
 *     detectors:
 *       scanner: { enabled: false }
 *       credential-stuffing: { simulate: true, threshold: 30 }
 *     repeatOffenders: { factor: 3 }
 *     ipv6Prefix: 56                  # IPv6 actors keyed by their /56 (default /64)
 *     ingest: { eventsPerSecond: 20000, burstEvents: 40000 }   # the ingest API's rate limit
 * ```
 */
import { BlockList } from 'node:net';
import { z } from 'zod';
import type { AppConfig, AppConfigSource, RepeatOffenderPolicy } from '../core/app-config';
import type { DetectorDefinition, ResolvedDetector } from '../core/detector';
import { ownEntry } from '../core/own-entry';
import { formatIssues, issueLines } from '../events/schema';
import { addToBlockList } from '../events/match';
import { DEFAULT_IPV6_PREFIX } from '../events/actor-ip';
import { ConfigError, type ConfigIssue } from '../core/config-errors';
import { planProblems } from './plan-check';

function issuesOf(error: z.ZodError, prefix: string): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.'), message: issue.message }));
}

const RepeatOffendersSchema = z.strictObject({
  factor: z.number().min(1).max(100).optional(),
  lookbackSeconds: z.int().min(0).max(90 * 86400).optional(),
  maxDurationSeconds: z.int().min(1).max(365 * 86400).optional(),
});

const AllowlistSchema = z.strictObject({
  ips: z
    .array(z.string())
    .superRefine((entries, ctx) => {
      entries.forEach((entry, i) => {
        const problem = addToBlockList(new BlockList(), entry);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, path: [i] });
      });
    })
    .optional(),
  users: z.array(z.string().min(1)).optional(),
});

export const DEFAULT_REPEAT_OFFENDERS: RepeatOffenderPolicy = {
  factor: 2,
  lookbackSeconds: 7 * 86400,
  maxDurationSeconds: 30 * 86400,
};

/** The application's share of the ingest API (src/api/ingest-rate-limit.ts): a token bucket in events. */
const IngestSchema = z.strictObject({
  eventsPerSecond: z.number().positive().max(10_000_000).optional(),
  burstEvents: z.int().min(1).max(100_000_000).optional(),
});

type DetectorOverrides = Record<string, Record<string, unknown>>;

/**
 * One application's settings, as written (no defaults filled in): an `apps.<id>` entry of the
 * settings file, a registry record's settings, and what the console edits (src/api/console/wire.ts).
 */
export interface AppSettings {
  detectors?: DetectorOverrides;
  allowlist?: { ips?: string[]; users?: string[] };
  repeatOffenders?: Partial<RepeatOffenderPolicy>;
  ingest?: { eventsPerSecond?: number; burstEvents?: number };
  ipv6Prefix?: number;
}

function settingsSchema(definitions: readonly DetectorDefinition[]) {
  const overrides: Record<string, z.ZodType> = {};
  for (const d of definitions) {
    overrides[d.name] = d.params.partial().extend({ enabled: z.boolean().optional(), simulate: z.boolean().optional() }).strict().optional();
  }
  return z.strictObject({
    detectors: z.strictObject(overrides).optional(),
    allowlist: AllowlistSchema.optional(),
    repeatOffenders: RepeatOffendersSchema.optional(),
    ingest: IngestSchema.optional(),
    // Shorter than /32 would lump a whole provider's customers together; a /48 is a site.
    ipv6Prefix: z.int().min(32).max(128).optional(),
  });
}

export interface SettingsFile {
  defaults?: AppSettings;
  apps?: Record<string, AppSettings>;
}

/** Validates a settings document (already parsed from YAML or JSON); throws ConfigError listing every problem. */
export function parseSettings(document: unknown, definitions: readonly DetectorDefinition[], source = 'settings'): SettingsFile {
  const app = settingsSchema(definitions);
  const schema = z.strictObject({ defaults: app.optional(), apps: z.record(z.string(), app).optional() });
  const parsed = schema.safeParse(document ?? {});
  if (!parsed.success) {
    const known = definitions.map((d) => d.name).join(', ');
    const message = issueLines(parsed.error)
      .map((line) => (/\.detectors: Unrecognized key/.test(line) ? `${line} (detectors are ${known})` : line))
      .join('\n  ');
    throw new ConfigError(`${source} is invalid:\n  ${message}`, { issues: issuesOf(parsed.error, '') });
  }
  return parsed.data as SettingsFile;
}

/**
 * Resolves settings into each application's AppConfig: defaults, then the application's own keys,
 * then each detector's parameter defaults (applied by its zod schema, so they are written once).
 */
export class StaticAppConfigSource implements AppConfigSource {
  private readonly cache = new Map<string, AppConfig>();

  constructor(
    private readonly definitions: readonly DetectorDefinition[],
    private readonly settings: SettingsFile = {},
  ) {
    // Resolve every named application now, so a bad value fails at start, not at its first event.
    resolveAppConfig('defaults', definitions, settings.defaults ?? {}, {});
    for (const appId of Object.keys(settings.apps ?? {})) this.forApp(appId);
  }

  forApp(appId: string): AppConfig {
    let config = this.cache.get(appId);
    if (config === undefined) {
      config = resolveAppConfig(`apps.${appId}`, this.definitions, this.settings.defaults ?? {}, ownEntry(this.settings.apps, appId) ?? {});
      this.cache.set(appId, config);
    }
    return config;
  }
}

/** `where` names the settings in errors: `apps.shop` or `defaults`. */
export function resolveAppConfig(
  where: string,
  definitions: readonly DetectorDefinition[],
  defaults: AppSettings,
  own: AppSettings,
): AppConfig {
  const detectors: ResolvedDetector[] = [];
  for (const definition of definitions) {
    const { enabled = true, simulate = false, ...params } = {
      ...defaults.detectors?.[definition.name],
      ...own.detectors?.[definition.name],
    } as { enabled?: boolean; simulate?: boolean } & Record<string, unknown>;
    if (!enabled) continue;
    detectors.push(resolveDetector(`${where}.detectors.${definition.name}`, definition, params, simulate));
  }
  return {
    detectors,
    allowlist: {
      ips: [...(defaults.allowlist?.ips ?? []), ...(own.allowlist?.ips ?? [])],
      users: [...(defaults.allowlist?.users ?? []), ...(own.allowlist?.users ?? [])],
    },
    repeatOffenders: { ...DEFAULT_REPEAT_OFFENDERS, ...defaults.repeatOffenders, ...own.repeatOffenders },
    ipv6Prefix: own.ipv6Prefix ?? defaults.ipv6Prefix ?? DEFAULT_IPV6_PREFIX,
  };
}

export function resolveDetector(
  where: string,
  definition: DetectorDefinition,
  overrides: Record<string, unknown>,
  simulate: boolean,
): ResolvedDetector {
  const params = definition.params.safeParse(overrides);
  if (!params.success) throw new ConfigError(formatIssues(params.error, where), { issues: issuesOf(params.error, where) });
  const plan = definition.plan(params.data);
  const problems = planProblems(plan);
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((p) => `${where}: ${p}`).join('; '),
      { issues: problems.map((message) => ({ path: where, message })) },
    );
  }
  return { name: definition.name, plan, simulate, fingerprint: JSON.stringify([definition.name, plan, simulate]) };
}
