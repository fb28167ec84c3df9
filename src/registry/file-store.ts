/**
 * The registry as one JSON file in the data directory, for embedded mode. Writers take a lock,
 * read, change, write a temporary file and rename it over the old one: a reader (the running server)
 * sees the old file or the new one, never half of one, and two `riposte apps` commands run at once
 * do not lose each other's changes.
 *
 * The lock is proper-lockfile's: a directory next to the file whose time its holder refreshes while
 * it holds it, so a lock is taken over only when its holder stopped refreshing it (it died), never
 * because a live writer took long — the hand-written lock before it judged by age alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { lock as lockFile } from 'proper-lockfile';
import { z } from 'zod';
import { formatIssues } from '../events/schema';
import { AppRecordSchema, type AppRecord } from './app-record';
import { RegistryError, type RegistryListing, type RegistryStore } from './store';

const FileSchema = z.object({ version: z.literal(1), apps: z.record(z.string(), z.unknown()) });

/**
 * The file in memory. Applications are a Map, not an object: an application id is anyone's text,
 * and on an object `constructor` or `valueOf` would find Object.prototype's members — `apps add
 * constructor` said it existed, and `apps configure valueOf` wrote a broken record.
 */
interface RegistryFile {
  version: 1;
  apps: Map<string, AppRecord>;
}

export interface FileLockOptions {
  /** A lock its holder has not refreshed for this long was left by a process that died mid-write (proper-lockfile: at least 2000). */
  staleMs?: number;
  /** How long a writer waits for the lock before giving up: longer than `staleMs`, so a dead holder's lock is taken over rather than refused. */
  waitMs?: number;
}

const FILE_LOCK_DEFAULTS = { staleMs: 10_000, waitMs: 15_000 } as const;

export class FileRegistryStore implements RegistryStore {
  readonly location: string;
  /** As given: lockRegistry fills in the defaults. */
  readonly #lock: FileLockOptions;

  constructor(
    readonly path: string,
    lock: FileLockOptions = {},
  ) {
    this.location = path;
    this.#lock = lock;
  }

  static inDataDir(dataDir: string): FileRegistryStore {
    return new FileRegistryStore(join(dataDir, 'apps.json'));
  }

  async version(): Promise<string> {
    // The file is small: hashing its content is cheap and, unlike inode and mtime, never ambiguous.
    try {
      return createHash('sha256').update(await readFile(this.path)).digest('base64url');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw new RegistryError('unavailable', `cannot read the application registry ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  async list(): Promise<RegistryListing> {
    const file = await this.read();
    return { records: [...file.apps.values()], problems: [] };
  }

  async get(appId: string): Promise<AppRecord | undefined> {
    return (await this.read()).apps.get(appId);
  }

  async create(record: AppRecord): Promise<void> {
    await this.mutate((file) => {
      if (file.apps.has(record.appId)) throw new RegistryError('app_exists', `application ${record.appId} already exists`);
      file.apps.set(record.appId, record);
    });
  }

  async replace(record: AppRecord, expectedRevision: number): Promise<void> {
    await this.mutate((file) => {
      const current = file.apps.get(record.appId);
      if (current === undefined) throw new RegistryError('unknown_app', `application ${record.appId} does not exist`);
      if (current.revision !== expectedRevision) throw new RegistryError('conflict', `application ${record.appId} changed meanwhile`);
      file.apps.set(record.appId, record);
    });
  }

  private async read(): Promise<RegistryFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, apps: new Map() };
      throw new RegistryError('unavailable', `cannot read the application registry ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new RegistryError('invalid_registry', `${this.path} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    const file = FileSchema.safeParse(json);
    if (!file.success) throw new RegistryError('invalid_registry', `${this.path} is not an application registry: ${formatIssues(file.error)}`);
    const apps = new Map<string, AppRecord>();
    for (const [appId, value] of Object.entries(file.data.apps)) {
      const record = AppRecordSchema.safeParse(value);
      if (!record.success) throw new RegistryError('invalid_registry', `${this.path}: ${formatIssues(record.error, `apps.${appId}`)}`);
      if (record.data.appId !== appId) throw new RegistryError('invalid_registry', `${this.path}: apps.${appId}.appId is ${JSON.stringify(record.data.appId)}`);
      apps.set(appId, record.data);
    }
    return { version: 1, apps };
  }

  private async mutate(change: (file: RegistryFile) => void): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const lock = await lockRegistry(this.path, this.#lock);
    try {
      const file = await this.read();
      change(file);
      const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ version: file.version, apps: Object.fromEntries(file.apps) }, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        lock.assertHeld();
        await rename(temp, this.path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    } finally {
      await lock.release();
    }
  }
}

export interface RegistryLock {
  /** Throws if the lock was lost while held (its refresh failed and another process may have taken it over). */
  assertHeld(): void;
  release(): Promise<void>;
}

/** Takes the writers' lock on the registry file at `path`, waiting for it up to `waitMs`. */
export async function lockRegistry(path: string, options: FileLockOptions = {}): Promise<RegistryLock> {
  const { staleMs, waitMs } = { ...FILE_LOCK_DEFAULTS, ...options };
  const lockfilePath = `${path}.lock`;
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockFile(path, {
      lockfilePath,
      realpath: false, // the registry file need not exist yet
      stale: staleMs,
      // Polls every 25 ms growing to 250 ms, for `waitMs` (retry precomputes every pause: the count is bounded).
      retries: { retries: Math.ceil(waitMs / 25), minTimeout: 25, maxTimeout: 250, maxRetryTime: waitMs },
      // The default throws from a timer, which would end the process: the write in progress is refused instead.
      onCompromised: (error) => void (lost = error),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') throw new RegistryError('unavailable', `${lockfilePath} is held by another process (waited ${waitMs / 1000} s); try again once the other riposte command is done`, { cause: error });
    // Riposte before proper-lockfile locked with a file of that name; one left by a crash is stale.
    if (code === 'ENOTDIR') throw new RegistryError('unavailable', `${lockfilePath} is a lock file left by an earlier riposte; remove it if no riposte command is running`, { cause: error });
    throw error;
  }
  return {
    assertHeld() {
      if (lost !== undefined) throw new RegistryError('unavailable', `lost the lock ${lockfilePath} while writing ${path}: ${lost.message}; nothing was written, try again`, { cause: lost });
    },
    release: () => (lost === undefined ? release() : Promise.resolve()),
  };
}
