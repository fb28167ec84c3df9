/**
 * The application registry: creates applications, issues and rotates their agent tokens, and keeps
 * their settings and playbooks. Settings are validated exactly as the settings file is, so what the
 * registry accepts, the engine can run.
 */
import { ConfigError } from '../core/config-errors';
import { parseSettings, StaticAppConfigSource } from '../engine/app-settings';
import type { DetectorDefinition } from '../core/detector';
import { appIdProblem, PLAYBOOK_NAME, type AppRecord, type PlaybookSource } from './app-record';
import { RegistryError, type RegistryStore } from './store';
import { hashToken, newAgentToken } from './tokens';

export interface AppChanges {
  /** One application's settings, as under `apps.<id>` in the settings file. */
  settings?: unknown;
  /** Replaces the application's playbooks. */
  playbooks?: readonly PlaybookSource[];
  /** Where the settings come from (a file), named in errors. */
  source?: string;
}

export interface RegistryOptions {
  clock?: () => number;
  /** Checks a playbook (the playbook compiler plugs in here); returns why it is invalid, or null. */
  checkPlaybook?: (playbook: PlaybookSource, appId: string) => string | null;
}

const MAX_PLAYBOOKS = 50;
export const MAX_PLAYBOOK_BYTES = 64 * 1024;
const CONFLICT_RETRIES = 5;

export class AppRegistry {
  private readonly clock: () => number;

  constructor(
    readonly store: RegistryStore,
    private readonly definitions: readonly DetectorDefinition[],
    private readonly options: RegistryOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
  }

  async add(appId: string, changes: AppChanges = {}): Promise<{ record: AppRecord; token: string }> {
    checkAppId(appId);
    const now = new Date(this.clock()).toISOString();
    const token = newAgentToken();
    const record: AppRecord = {
      appId,
      createdAt: now,
      updatedAt: now,
      revision: 1,
      tokens: [{ hash: hashToken(token), createdAt: now }],
      settings: this.checkSettings(appId, changes.settings ?? {}, changes.source),
      playbooks: this.checkPlaybooks(appId, changes.playbooks ?? []),
    };
    await this.store.create(record);
    return { record, token };
  }

  /**
   * Issues a new token and revokes every earlier one: a token that leaked stops working on every
   * server at their next registry refresh (RegistryWatcher's refreshMs, a few seconds).
   */
  async rotate(appId: string): Promise<{ record: AppRecord; token: string; revoked: number }> {
    const token = newAgentToken();
    let revoked = 0;
    const record = await this.update(appId, (current, now) => {
      revoked = current.tokens.length;
      return { ...current, tokens: [{ hash: hashToken(token), createdAt: now }] };
    });
    return { record, token, revoked };
  }

  async configure(appId: string, changes: AppChanges): Promise<AppRecord> {
    const settings = changes.settings === undefined ? undefined : this.checkSettings(appId, changes.settings, changes.source);
    const playbooks = changes.playbooks === undefined ? undefined : this.checkPlaybooks(appId, changes.playbooks);
    return this.update(appId, (current) => ({ ...current, settings: settings ?? current.settings, playbooks: playbooks ?? current.playbooks }));
  }

  async list(): Promise<AppRecord[]> {
    const { records } = await this.store.list();
    return records.sort((a, b) => (a.appId < b.appId ? -1 : 1));
  }

  async get(appId: string): Promise<AppRecord> {
    checkAppId(appId);
    const record = await this.store.get(appId);
    if (record === undefined) throw unknownApp(appId);
    return record;
  }

  private async update(appId: string, change: (current: AppRecord, now: string) => AppRecord): Promise<AppRecord> {
    checkAppId(appId);
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.get(appId);
      if (current === undefined) throw unknownApp(appId);
      const now = new Date(this.clock()).toISOString();
      const next = { ...change(current, now), appId, revision: current.revision + 1, updatedAt: now };
      try {
        await this.store.replace(next, current.revision);
        return next;
      } catch (error) {
        // Another writer got there first: start again from what it wrote.
        if (!(error instanceof RegistryError && error.code === 'conflict') || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  }

  private checkSettings(appId: string, settings: unknown, source?: string): Record<string, unknown> {
    const where = source === undefined ? `settings of ${appId}` : `${source} (settings of ${appId})`;
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      throw new RegistryError('invalid_settings', `${where} must be an object (detectors, allowlist, repeatOffenders)`);
    }
    try {
      const parsed = parseSettings({ apps: { [appId]: settings } }, this.definitions, where);
      // Resolving runs every detector's own checks, so settings the engine would refuse are refused here.
      new StaticAppConfigSource(this.definitions, parsed);
      // Kept as written, not with the defaults the schema filled in: a later default applies to it.
      return structuredClone(settings) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof ConfigError) throw new RegistryError('invalid_settings', error.message, { cause: error });
      throw error;
    }
  }

  private checkPlaybooks(appId: string, playbooks: readonly PlaybookSource[]): PlaybookSource[] {
    if (playbooks.length > MAX_PLAYBOOKS) {
      throw new RegistryError('invalid_settings', `${appId} has ${playbooks.length} playbooks; an application has at most ${MAX_PLAYBOOKS}`);
    }
    const seen = new Set<string>();
    for (const p of playbooks) {
      if (!PLAYBOOK_NAME.test(p.name)) {
        throw new RegistryError('invalid_settings', `playbook name ${JSON.stringify(p.name)} of ${appId}: a name has 1 to 128 letters, digits and . _ -`);
      }
      if (seen.has(p.name)) throw new RegistryError('invalid_settings', `${appId} has two playbooks named ${p.name}`);
      seen.add(p.name);
      const bytes = Buffer.byteLength(p.yaml, 'utf8');
      if (bytes > MAX_PLAYBOOK_BYTES) {
        throw new RegistryError('invalid_settings', `playbook ${p.name} of ${appId} is ${bytes} bytes; a playbook is at most ${MAX_PLAYBOOK_BYTES} bytes`);
      }
      const problem = this.options.checkPlaybook?.(p, appId) ?? null;
      if (problem !== null) throw new RegistryError('invalid_settings', `playbook ${p.name} of ${appId}: ${problem}`);
    }
    return playbooks.map((p) => ({ name: p.name, yaml: p.yaml }));
  }
}

function checkAppId(appId: string): void {
  const problem = appIdProblem(appId);
  if (problem !== null) throw new RegistryError('invalid_app_id', problem);
}

function unknownApp(appId: string): RegistryError {
  return new RegistryError('unknown_app', `application ${appId} does not exist (riposte apps list shows the applications)`);
}
