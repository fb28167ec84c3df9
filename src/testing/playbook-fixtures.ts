/**
 * A folder of playbooks with their fixtures, in the manner of CrowdSec's hub tests. Each test case
 * is a folder of timestamped events in and the responses expected out:
 *
 * ```
 * playbooks/gift-card-enumeration.yaml
 * playbooks/gift-card-enumeration.md                      what it detects, in plain words
 * playbooks/fixtures/gift-card-enumeration/<case>/events.jsonl     one event v1 per line
 * playbooks/fixtures/gift-card-enumeration/<case>/responses.yaml   the responses expected, in order
 * ```
 *
 * A case folder is named for the behaviour it pins. An expected response lists only the fields it
 * cares about (`target` always): `action`, `durationSeconds`, `count`, `redirectUrl`, `simulated`,
 * `createdAt`, `reason`, `app`. The events run through the real pipeline (records → decode →
 * engine), with only the playbook under test, exactly as `riposte replay --playbooks` runs them.
 * `PlaybookTester` (src/testing) declares these as jest tests; `riposte playbooks test` runs them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { StaticAppConfigSource } from '../engine/app-settings';
import type { SecurityResponse } from '../core/response';
import { ShardProcessor } from '../engine/processor';
import { replayLines } from '../engine/replay-lines';
import { PlaybookConfigSource } from '../playbooks/config-source';
import { parsePlaybook } from '../playbooks/parse';
import { formatProblem } from '../playbooks/problems';
import type { PlaybookEntry } from '../playbooks/provider';
import { MemoryResponseStore } from '../sinks/memory-store';

const EXPECTED_KEYS = ['target', 'action', 'durationSeconds', 'count', 'redirectUrl', 'simulated', 'createdAt', 'reason', 'app'] as const;
type ExpectedKey = (typeof EXPECTED_KEYS)[number];
export type ExpectedFixtureResponse = Partial<Record<ExpectedKey, unknown>> & { target: string };

export interface FixtureCase {
  name: string;
  dir: string;
}

export interface PlaybookUnderTest {
  name: string;
  file: string;
  /** Whether the playbook itself parses and validates (its cases can run). */
  valid: boolean;
  /** Problems with the playbook or its folder: invalid, undocumented, untested. */
  problems: string[];
  cases: FixtureCase[];
}

export interface CaseResult {
  playbook: string;
  case: string;
  expected: ExpectedFixtureResponse[];
  /** The responses, in the vocabulary and to the depth of the expectations. */
  actual: Record<string, unknown>[];
  passed: boolean;
}

export class PlaybookFixtures {
  constructor(readonly dir: string) {}

  /** The playbooks of the folder with their cases, and what is wrong with how they are kept. */
  playbooks(): PlaybookUnderTest[] {
    const files = readdirSync(this.dir).filter((f) => ['.yaml', '.yml'].includes(extname(f)));
    return files.sort().map((file) => {
      const name = basename(file, extname(file));
      const path = join(this.dir, file);
      const problems: string[] = [];
      const parsed = parsePlaybook(readFileSync(path, 'utf8'), path, { expectedName: name });
      if (!parsed.ok) problems.push(...parsed.problems.map(formatProblem));
      if (!existsSync(join(this.dir, `${name}.md`))) problems.push(`${name}.md is missing: say in plain words what ${name} detects and why`);
      const cases = this.casesOf(name);
      if (cases.length === 0) problems.push(`fixtures/${name}/ has no case: add one folder per behaviour, with events.jsonl and responses.yaml`);
      return { name, file: path, valid: parsed.ok, problems, cases };
    });
  }

  /** Fixture folders that belong to none of `playbooks` (a renamed playbook leaves them behind). */
  orphanFixtures(playbooks: readonly PlaybookUnderTest[] = this.playbooks()): string[] {
    const fixtures = join(this.dir, 'fixtures');
    if (!existsSync(fixtures)) return [];
    const names = new Set(playbooks.map((p) => p.name));
    return readdirSync(fixtures).filter((d) => !names.has(d));
  }

  casesOf(name: string): FixtureCase[] {
    const root = join(this.dir, 'fixtures', name);
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((d) => statSync(join(root, d)).isDirectory())
      .sort()
      .map((d) => ({ name: d, dir: join(root, d) }));
  }

  /** Runs one case of one playbook. */
  async runCase(playbook: PlaybookUnderTest, c: FixtureCase): Promise<CaseResult> {
    const expected = readExpected(join(c.dir, 'responses.yaml'));
    const responses = await replayFixture(playbook, join(c.dir, 'events.jsonl'));
    const actual = responses.map((r, i) => summarize(r, expected[i]));
    const passed = isDeepStrictEqual(actual, expected.map((e) => summarizeExpected(e)));
    return { playbook: playbook.name, case: c.name, expected, actual, passed };
  }

  /** Every case of every playbook, outside jest (for `riposte playbooks test`). */
  async runAll(): Promise<{ playbooks: PlaybookUnderTest[]; results: CaseResult[]; orphans: string[] }> {
    const playbooks = this.playbooks();
    const results: CaseResult[] = [];
    for (const p of playbooks) {
      if (!p.valid) continue;
      for (const c of p.cases) results.push(await this.runCase(p, c));
    }
    return { playbooks, results, orphans: this.orphanFixtures(playbooks) };
  }

}

async function replayFixture(playbook: PlaybookUnderTest, eventsFile: string): Promise<SecurityResponse[]> {
  const entry: PlaybookEntry = { name: playbook.name, yaml: readFileSync(playbook.file, 'utf8'), origin: playbook.file };
  const config = new PlaybookConfigSource(new StaticAppConfigSource([]), { playbooksFor: () => [entry] });
  const store = new MemoryResponseStore();
  const processor = new ShardProcessor({ shardId: 'fixture', config, history: store });
  const responses: SecurityResponse[] = [];
  await replayLines([readFileSync(eventsFile, 'utf8').split('\n')], processor, store, (outcome) => {
    for (const letter of outcome.deadLetters) throw new Error(`${eventsFile}:${letter.sequenceNumber}: fixture event rejected: ${letter.reason}`);
    responses.push(...outcome.responses);
  });
  return responses;
}

function readExpected(file: string): ExpectedFixtureResponse[] {
  const value: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${file}: expected a list of responses ([] for none)`);
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || typeof (item as { target?: unknown }).target !== 'string') {
      throw new Error(`${file}: response ${i + 1} needs a target such as ip:203.0.113.7 or user:alice@example.com`);
    }
    for (const key of Object.keys(item)) {
      if (!(EXPECTED_KEYS as readonly string[]).includes(key)) throw new Error(`${file}: response ${i + 1}: unknown key "${key}"; keys are ${EXPECTED_KEYS.join(', ')}`);
    }
  });
  return value as ExpectedFixtureResponse[];
}

function fullSummary(r: SecurityResponse): Record<ExpectedKey, unknown> {
  return {
    target: `${r.target.type}:${r.target.value}`,
    action: r.action,
    durationSeconds: (Date.parse(r.expiresAt) - Date.parse(r.createdAt)) / 1000,
    count: r.evidence.count,
    redirectUrl: r.redirectUrl,
    simulated: r.simulated,
    createdAt: r.createdAt,
    reason: r.reason,
    app: r.appId,
  };
}

/** `r` limited to the keys the expectation at the same place mentions (an unexpected one shows target, action, time). */
function summarize(r: SecurityResponse, expected: ExpectedFixtureResponse | undefined): Record<string, unknown> {
  const full = fullSummary(r);
  const keys = EXPECTED_KEYS.filter((k) => (expected === undefined ? ['target', 'action', 'createdAt'].includes(k) : k in expected));
  return Object.fromEntries(keys.map((k) => [k, full[k]]));
}

/** The expectation with its keys in the same order as `summarize` writes them. */
export function summarizeExpected(e: ExpectedFixtureResponse): Record<string, unknown> {
  return Object.fromEntries(EXPECTED_KEYS.filter((k) => k in e).map((k) => [k, e[k]]));
}
