/**
 * Adds each application's playbooks to its AppConfig, as detectors after the built-in ones.
 *
 * The engine calls `forApp` once per batch per application and rebuilds an application whenever it
 * gets a different object, so this answers with the same AppConfig while neither the inner
 * configuration nor the playbooks changed. A playbook whose text did not change is not parsed again,
 * and one whose plan did not change keeps its ResolvedDetector (and so its windows).
 *
 * A new version that does not validate is refused: logged once with every problem, counted in
 * `stats.refused`, and the last valid version of that playbook keeps running (none, for a playbook
 * that never was valid).
 */
import type { AppConfig, AppConfigSource } from '../core/app-config';
import type { ResolvedDetector } from '../core/detector';
import { silentLogger, type Logger } from '../core/ports';
import { positionIn } from './locate';
import { parsePlaybook, type ParseResult } from './parse';
import { formatProblem, type PlaybookProblem } from './problems';
import type { PlaybookEntry, PlaybookProvider } from './provider';

export interface PlaybookStats {
  /** Playbook versions that validated (each text once). */
  loaded: number;
  /** Playbook versions refused: invalid, or named like another detector of the application. */
  refused: number;
}

interface AppState {
  base: AppConfig;
  entries: readonly PlaybookEntry[];
  /** The playbook running under each name: the last valid version. */
  running: ReadonlyMap<string, ResolvedDetector>;
  problems: readonly PlaybookProblem[];
  config: AppConfig;
}

/** Texts parsed, kept for as many versions as this; older ones are parsed again if they come back. */
const PARSE_CACHE_SIZE = 1000;

export class PlaybookConfigSource implements AppConfigSource {
  readonly stats: PlaybookStats = { loaded: 0, refused: 0 };
  private readonly apps = new Map<string, AppState>();
  private readonly parsed = new Map<string, ParseResult>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly inner: AppConfigSource,
    private readonly provider: PlaybookProvider,
    private readonly logger: Logger = silentLogger,
  ) {}

  forApp(appId: string): AppConfig {
    const base = this.inner.forApp(appId);
    const entries = this.provider.playbooksFor(appId);
    const state = this.apps.get(appId);
    if (state !== undefined && state.base === base && state.entries === entries) return state.config;

    const running = new Map<string, ResolvedDetector>();
    const problems: PlaybookProblem[] = [];
    const taken = new Set(base.detectors.map((d) => d.name));
    for (const entry of entries) {
      // Checked before parsing: a playbook that cannot run under its name is not reported as loaded.
      if (taken.has(entry.name)) {
        const problem = {
          origin: entry.origin,
          ...positionIn(entry.yaml, ['name']),
          path: 'name',
          message: `"${entry.name}" is already the name of another detector or playbook of ${appId}; choose another name (taken: ${[...taken].join(', ')})`,
        };
        problems.push(problem);
        this.refuse(`${appId}\n${entry.origin}\n${entry.yaml}`, [problem], appId);
        continue;
      }
      taken.add(entry.name);
      const result = this.parse(entry);
      if (result.ok) {
        if (!result.playbook.definition.enabled) continue;
        // A new text with the same plan (a comment, the description) keeps the running object, so
        // the application's configuration stays the same object too.
        const previous = state?.running.get(entry.name);
        running.set(entry.name, previous?.fingerprint === result.playbook.detector.fingerprint ? previous : result.playbook.detector);
        continue;
      }
      problems.push(...result.problems);
      const previous = state?.running.get(entry.name);
      if (previous !== undefined) running.set(entry.name, previous);
    }

    const detectors = [...base.detectors, ...running.values()];
    const unchanged =
      state !== undefined &&
      state.base === base &&
      state.config.detectors.length === detectors.length &&
      state.config.detectors.every((d, i) => d === detectors[i]);
    const config = unchanged ? state.config : { ...base, detectors };
    this.apps.set(appId, { base, entries, running, problems, config });
    return config;
  }

  /**
   * Validates entries now rather than at their application's next batch, so a broken file is
   * reported (logged, counted) as soon as it is seen.
   */
  preload(entries: readonly PlaybookEntry[]): void {
    for (const entry of entries) this.parse(entry);
  }

  /** What keeps an application's playbooks from running as written, as of its last `forApp`. */
  problemsFor(appId: string): readonly PlaybookProblem[] {
    return this.apps.get(appId)?.problems ?? [];
  }

  private parse(entry: PlaybookEntry): ParseResult {
    const key = `${entry.origin}\n${entry.name}\n${entry.yaml}`;
    let result = this.parsed.get(key);
    if (result !== undefined) return result;
    result = parsePlaybook(entry.yaml, entry.origin, { expectedName: entry.name });
    if (this.parsed.size >= PARSE_CACHE_SIZE) this.parsed.delete(this.parsed.keys().next().value as string);
    this.parsed.set(key, result);
    if (result.ok) {
      this.stats.loaded++;
      this.logger.info({ playbook: entry.name, origin: entry.origin }, 'playbook loaded');
    } else {
      this.refuse(key, result.problems);
    }
    return result;
  }

  private refuse(key: string, problems: readonly PlaybookProblem[], appId?: string): void {
    if (this.reported.has(key)) return;
    if (this.reported.size >= PARSE_CACHE_SIZE) this.reported.clear();
    this.reported.add(key);
    this.stats.refused++;
    this.logger.error(
      { appId, origin: problems[0]?.origin, problems: problems.map(formatProblem) },
      'playbook refused: this version does not run; the last valid version of it, if any, keeps running',
    );
  }
}
