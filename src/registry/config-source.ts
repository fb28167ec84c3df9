/**
 * The engine's AppConfigSource backed by the registry: each application's settings come from its
 * registry record, on top of the defaults (e.g. the `defaults` of RIPOSTE_SETTINGS). `forApp` is
 * called once per batch per application and must be cheap: it returns the same AppConfig object
 * until the application's settings or playbooks change, and only then resolves a new one.
 */
import { ConfigError, resolveAppConfig, type AppConfig, type AppConfigSource, type SettingsFile } from '../config/app-config';
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

type AppSettings = NonNullable<SettingsFile['defaults']>;

interface Resolved {
  mark: string;
  config: AppConfig;
}

export class RegistryAppConfigSource implements AppConfigSource {
  readonly #resolved = new Map<string, Resolved>();
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
        resolveAppConfig(`apps.${appId}`, definitions, base.defaults ?? {}, (record?.settings as AppSettings | undefined) ?? base.apps?.[appId] ?? {}));
    this.#logger = options.logger ?? silentLogger;
  }

  forApp(appId: string): AppConfig {
    const record = this.watcher.snapshot.apps.get(appId);
    const mark = record === undefined ? 'unregistered' : this.#markOf(record);
    const previous = this.#resolved.get(appId);
    if (previous !== undefined && previous.mark === mark) return previous.config;
    try {
      const config = this.#resolve(appId, record);
      this.#resolved.set(appId, { mark, config });
      return config;
    } catch (error) {
      // Settings are validated before the registry stores them, so this is a record written by hand
      // or by another version. Keep running what ran before rather than nothing.
      if (previous !== undefined) {
        this.#logger.error({ appId, err: error }, 'application settings in the registry cannot run; keeping the previous ones');
        this.#resolved.set(appId, { mark, config: previous.config });
        return previous.config;
      }
      throw error instanceof ConfigError ? error : new ConfigError(`apps.${appId}: ${(error as Error).message}`, { cause: error });
    }
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
