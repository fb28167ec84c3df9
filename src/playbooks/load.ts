/**
 * Ways in for the composition root and the command line: a directory checked once and for all
 * (offline: replay, tests), or the registry and a directory watched while a processor runs.
 */
import type { AppConfigSource } from '../core/app-config';
import { silentLogger, type Logger } from '../core/ports';
import { PlaybookConfigSource } from './config-source';
import { PlaybookDirectory } from './directory';
import { parsePlaybook } from './parse';
import { PlaybookError, type PlaybookProblem } from './problems';
import { combinePlaybooks, registryPlaybooks, type PlaybookDocument, type PlaybookProvider } from './provider';

/** Reads `dir` once and validates every playbook in it; throws PlaybookError listing every problem. */
export async function loadPlaybookDirectory(dir: string): Promise<PlaybookDirectory> {
  const directory = new PlaybookDirectory(dir);
  await directory.refresh();
  const problems: PlaybookProblem[] = [];
  for (const entry of directory.entries()) {
    const result = parsePlaybook(entry.yaml, entry.origin, { expectedName: entry.name });
    if (!result.ok) problems.push(...result.problems);
  }
  if (problems.length > 0) throw new PlaybookError(problems);
  return directory;
}

/** `inner` plus the playbooks of `dir`, all valid (offline use: nothing changes while it runs). */
export async function withPlaybookDirectory(inner: AppConfigSource, dir: string): Promise<PlaybookConfigSource> {
  return new PlaybookConfigSource(inner, await loadPlaybookDirectory(dir));
}

export interface LivePlaybookOptions {
  /** A directory of playbook files, rescanned every `pollMs`. */
  dir?: string;
  /** The application registry's playbooks, from its in-memory cache. */
  registry?: (appId: string) => readonly PlaybookDocument[] | undefined;
  logger?: Logger;
  pollMs?: number;
}

export interface LivePlaybooks {
  source: PlaybookConfigSource;
  /** Stops watching the directory. */
  close(): void;
}

/**
 * For a running processor: invalid playbooks are refused and logged (the last valid version keeps
 * running) instead of stopping anything.
 */
export async function startPlaybooks(inner: AppConfigSource, options: LivePlaybookOptions): Promise<LivePlaybooks> {
  const logger = options.logger ?? silentLogger;
  // Each change is validated at once, so a broken file is reported before any batch needs it.
  const directory =
    options.dir === undefined ? undefined : new PlaybookDirectory(options.dir, { logger, pollMs: options.pollMs, onChange: () => source.preload(directory?.entries() ?? []) });
  const providers: PlaybookProvider[] = [];
  if (directory !== undefined) providers.push(directory);
  if (options.registry !== undefined) providers.push(registryPlaybooks(options.registry));
  const source = new PlaybookConfigSource(inner, combinePlaybooks(...providers), logger);
  if (directory !== undefined) {
    try {
      await directory.refresh();
    } catch (error) {
      logger.error({ dir: options.dir, err: error }, 'cannot read the playbooks directory; watching for it');
    }
    directory.start();
  }
  return { source, close: () => directory?.stop() };
}
