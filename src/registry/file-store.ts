/**
 * The registry as one JSON file in the data directory, for embedded mode. Writers take a lock file,
 * read, change, write a temporary file and rename it over the old one: a reader (the running server)
 * sees the old file or the new one, never half of one, and two `riposte apps` commands run at once
 * do not lose each other's changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../events/schema';
import { AppRecordSchema, type AppRecord } from './app-record';
import { RegistryError, type RegistryListing, type RegistryStore } from './store';

const FileSchema = z.object({ version: z.literal(1), apps: z.record(z.string(), z.unknown()) });

interface RegistryFile {
  version: 1;
  apps: Record<string, AppRecord>;
}

const LOCK_ATTEMPTS = 200;
const LOCK_RETRY_MS = 25;
/** A lock older than this was left by a process that died mid-write. */
const STALE_LOCK_MS = 10_000;

export class FileRegistryStore implements RegistryStore {
  readonly location: string;

  constructor(readonly path: string) {
    this.location = path;
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
    return { records: Object.values(file.apps), problems: [] };
  }

  async get(appId: string): Promise<AppRecord | undefined> {
    return (await this.read()).apps[appId];
  }

  async create(record: AppRecord): Promise<void> {
    await this.mutate((file) => {
      if (file.apps[record.appId] !== undefined) throw new RegistryError('app_exists', `application ${record.appId} already exists`);
      file.apps[record.appId] = record;
    });
  }

  async replace(record: AppRecord, expectedRevision: number): Promise<void> {
    await this.mutate((file) => {
      const current = file.apps[record.appId];
      if (current === undefined) throw new RegistryError('unknown_app', `application ${record.appId} does not exist`);
      if (current.revision !== expectedRevision) throw new RegistryError('conflict', `application ${record.appId} changed meanwhile`);
      file.apps[record.appId] = record;
    });
  }

  private async read(): Promise<RegistryFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, apps: {} };
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
    const apps: Record<string, AppRecord> = {};
    for (const [appId, value] of Object.entries(file.data.apps)) {
      const record = AppRecordSchema.safeParse(value);
      if (!record.success) throw new RegistryError('invalid_registry', `${this.path}: ${formatIssues(record.error, `apps.${appId}`)}`);
      if (record.data.appId !== appId) throw new RegistryError('invalid_registry', `${this.path}: apps.${appId}.appId is ${JSON.stringify(record.data.appId)}`);
      apps[appId] = record.data;
    }
    return { version: 1, apps };
  }

  private async mutate(change: (file: RegistryFile) => void): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const release = await this.lock();
    try {
      const file = await this.read();
      change(file);
      const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, this.path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockPath = `${this.path}.lock`;
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      try {
        const handle = await open(lockPath, 'wx', 0o600);
        await handle.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await unlink(lockPath).catch(() => undefined);
        else await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
    throw new RegistryError('unavailable', `${lockPath} is held by another process; remove it if no riposte command is running`);
  }
}
