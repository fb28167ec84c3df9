/**
 * The engine's AppConfigSource backed by the registry: each application's settings come from its
 * registry record, on top of the defaults (e.g. the `defaults` of RIPOSTE_SETTINGS). `forApp` is
 * called once per batch per application and must be cheap: it returns the same AppConfig object
 * until the application's settings or playbooks change, and only then resolves a new one.
 */
import { ownEntry } from '../core/own-entry';
import type { AppConfig, AppConfigSource } from '../core/app-config';
import { ConfigError } from '../core/config-errors';
import { resolveAppConfig, type AppSettings, type SettingsFile } from '../engine/app-settings';
import type { DetectorDefinition } from '../core/detector';
import { silentLogger, type Logger } from '../core/ports';
import type { AppRecord } from './app-record';
import type { RegistryWatcher } from './watcher';

/** Turns a record (or its absence) into an AppConfig; the playbook compiler wraps the default one. */
export type AppConfigResolver = (appId: string, record: AppRecord | undefined) => AppConfig;

export interface RegistryConfigOptions {
  /** Settings for every application (`defaults`) and for applications not in the registry (`apps`). */
  base?: SettingsFile;
  resolve?: AppConfigResolver;
  logger?: Logger;
}

interface Resolved {
  mark: string;
  config: AppConfig;
}

/** What an application whose registry settings were refused runs instead. */
export type SettingsFallback = 'previous' | 'defaults';

export class RegistryAppConfigSource implements AppConfigSource {
  /** Settings versions refused (each once): the application ran its previous settings or the defaults. */
  readonly stats = { refused: 0 };
  readonly #resolved = new Map<string, Resolved>();
  /** Applications running something other than their registry settings, and what. */
  readonly #fallbacks = new Map<string, SettingsFallback>();
  /** Per record object, so a batch does not serialize settings; a token rotation leaves the mark alone. */
  readonly #marks = new WeakMap<AppRecord, string>();
  readonly #resolve: AppConfigResolver;
  readonly #logger: Logger;

  constructor(
    private readonly watcher: RegistryWatcher,
    definitions: readonly DetectorDefinition[],
    options: RegistryConfigOptions = {},
  ) {
    const base = options.base ?? {};
    this.#resolve =
      options.resolve ??
      ((appId, record) =>
        resolveAppConfig(`apps.${appId}`, definitions, base.defaults ?? {}, (record?.settings as AppSettings | undefined) ?? ownEntry(base.apps, appId) ?? {}));
    this.#logger = options.logger ?? silentLogger;
  }

  /** The applications whose registry settings do not run as written, and what runs instead. */
  get fallbacks(): ReadonlyMap<string, SettingsFallback> {
    return this.#fallbacks;
  }

  forApp(appId: string): AppConfig {
    const record = this.watcher.snapshot.apps.get(appId);
    const mark = record === undefined ? 'unregistered' : this.#markOf(record);
    const previous = this.#resolved.get(appId);
    if (previous !== undefined && previous.mark === mark) return previous.config;
    let config: AppConfig;
    try {
      config = this.#resolve(appId, record);
      this.#fallbacks.delete(appId);
    } catch (error) {
      // Settings are validated before the registry stores them, so this is a record written by hand
      // or by another version (a key added by a newer release, during a rolling deploy). Only this
      // application is affected: it keeps what ran before, or runs the defaults, and says so.
      const fallback: SettingsFallback = previous === undefined ? 'defaults' : (this.#fallbacks.get(appId) ?? 'previous');
      config = previous?.config ?? this.#resolve(appId, record === undefined ? undefined : { ...record, settings: {} });
      this.stats.refused++;
      this.#fallbacks.set(appId, fallback);
      this.#logger.error(
        { appId, running: fallback, err: error instanceof ConfigError ? error : new ConfigError(`apps.${appId}: ${(error as Error).message}`, { cause: error }) },
        fallback === 'previous'
          ? 'application settings in the registry cannot run; the application keeps its previous settings until they are mended'
          : 'application settings in the registry cannot run; the application runs the default settings until they are mended',
      );
    }
    this.#resolved.set(appId, { mark, config });
    return config;
  }

  #markOf(record: AppRecord): string {
    let mark = this.#marks.get(record);
    if (mark === undefined) {
      mark = JSON.stringify([record.settings, record.playbooks]);
      this.#marks.set(record, mark);
    }
    return mark;
  }
}
