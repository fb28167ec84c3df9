/**
 * Playbooks kept as files, for local use:
 *
 * ```
 * DIR/*.yaml          every application
 * DIR/<appId>/*.yaml  that application only (a file named like a global one replaces it there)
 * ```
 *
 * A file's base name is the playbook's name. `refresh()` rescans the directory and re-reads only the
 * files whose size or modification time changed; `start()` does that every `pollMs` so a running
 * processor picks up edits without a restart. Polling rather than fs.watch: watch events are
 * platform-dependent, are lost on some network and container filesystems, and arrive mid-write;
 * a stat of a few files every couple of seconds costs nothing.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Subscription } from 'rxjs';
import { silentLogger, type Logger } from '../core/ports';
import { poll } from '../shared/rx';
import type { PlaybookEntry, PlaybookProvider } from './provider';

const EXTENSIONS = ['.yaml', '.yml'];

interface FileVersion {
  mtimeMs: number;
  size: number;
  entry: PlaybookEntry;
}

export interface DirectoryOptions {
  logger?: Logger;
  pollMs?: number;
  /** Called after a rescan that found a change. */
  onChange?: () => void;
}

export class PlaybookDirectory implements PlaybookProvider {
  private files = new Map<string, FileVersion>();
  private global: readonly PlaybookEntry[] = [];
  private perApp = new Map<string, readonly PlaybookEntry[]>();
  private polling: Subscription | undefined;
  private refreshing: Promise<boolean> | undefined;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly onChange: (() => void) | undefined;

  constructor(
    readonly dir: string,
    options: DirectoryOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.pollMs = options.pollMs ?? 2000;
    this.onChange = options.onChange;
  }

  playbooksFor(appId: string): readonly PlaybookEntry[] {
    return this.perApp.get(appId) ?? this.global;
  }

  /** Every playbook file found, global ones first. */
  entries(): readonly PlaybookEntry[] {
    return [...this.files.values()].map((f) => f.entry);
  }

  /** Rescans the directory; resolves to whether any playbook was added, changed or removed. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.scan().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Polls for changes until `stop()`; the timer does not keep the process alive. */
  start(): this {
    this.polling ??= poll(this.pollMs, () => this.refresh(), (error) => this.logger.error({ dir: this.dir, err: error }, 'cannot rescan the playbooks directory'));
    return this;
  }

  stop(): void {
    this.polling?.unsubscribe();
    this.polling = undefined;
  }

  private async scan(): Promise<boolean> {
    const found = new Map<string, { app: string | null; name: string }>();
    for (const item of await this.list(this.dir)) {
      if (item.isDirectory()) {
        for (const inner of await this.list(join(this.dir, item.name))) {
          if (inner.isFile() && EXTENSIONS.includes(extname(inner.name))) {
            found.set(join(this.dir, item.name, inner.name), { app: item.name, name: basename(inner.name, extname(inner.name)) });
          }
        }
      } else if (item.isFile() && EXTENSIONS.includes(extname(item.name))) {
        found.set(join(this.dir, item.name), { app: null, name: basename(item.name, extname(item.name)) });
      }
    }

    let changed = found.size !== this.files.size || [...this.files.keys()].some((path) => !found.has(path));
    const next = new Map<string, FileVersion>();
    for (const [path, { name }] of found) {
      const known = this.files.get(path);
      try {
        const info = await stat(path);
        if (known !== undefined && known.mtimeMs === info.mtimeMs && known.size === info.size) {
          next.set(path, known);
          continue;
        }
        const yaml = await readFile(path, 'utf8');
        if (known?.entry.yaml !== yaml) changed = true;
        next.set(path, { mtimeMs: info.mtimeMs, size: info.size, entry: known?.entry.yaml === yaml ? known.entry : { name, yaml, origin: path } });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          changed = true; // removed between the listing and the read
          continue;
        }
        this.logger.error({ path, err: error }, 'cannot read playbook file; keeping what was read before');
        if (known !== undefined) next.set(path, known);
      }
    }
    if (!changed) return false;
    this.files = next;
    this.index(found);
    this.onChange?.();
    return true;
  }

  private index(found: ReadonlyMap<string, { app: string | null; name: string }>): void {
    const global: PlaybookEntry[] = [];
    const own = new Map<string, PlaybookEntry[]>();
    for (const [path, { app }] of found) {
      const entry = this.files.get(path)?.entry;
      if (entry === undefined) continue;
      if (app === null) global.push(entry);
      else own.set(app, [...(own.get(app) ?? []), entry]);
    }
    this.global = global;
    this.perApp = new Map(
      [...own].map(([app, entries]) => {
        const names = new Set(entries.map((e) => e.name));
        return [app, [...global.filter((g) => !names.has(g.name)), ...entries]];
      }),
    );
  }

  private async list(dir: string): Promise<Dirent[]> {
    try {
      return (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && dir !== this.dir) return [];
      throw error;
    }
  }
}
