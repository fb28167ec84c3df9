/**
 * Where the application registry is kept: a file in the data directory (embedded mode) or the
 * DynamoDB apps table. Both keep whole records and refuse a write based on a stale read.
 */
import type { AppRecord } from './app-record';

export interface RegistryListing {
  records: AppRecord[];
  /** Records that could not be read (named, with why); the others are still served. */
  problems: string[];
}

export interface RegistryStore {
  /** Where the registry lives, for messages: a file path or a table name. */
  readonly location: string;
  /** A mark that changes whenever the registry does; cheap enough to ask every second. */
  version(): Promise<string>;
  list(): Promise<RegistryListing>;
  get(appId: string): Promise<AppRecord | undefined>;
  /** Adds a new application; RegistryError `app_exists` when the id is taken. */
  create(record: AppRecord): Promise<void>;
  /** Replaces a record unless it changed since it was read at `expectedRevision` (RegistryError `conflict`). */
  replace(record: AppRecord, expectedRevision: number): Promise<void>;
}

export type RegistryErrorCode = 'invalid_app_id' | 'app_exists' | 'unknown_app' | 'conflict' | 'invalid_settings' | 'invalid_registry' | 'unavailable';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}
