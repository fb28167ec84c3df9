/**
 * The layers hold by themselves: `npm run lint` refuses an import that runs against LAYERS and
 * SIBLINGS in eslint.config.mjs (or a service client in the detection core), and lets through one
 * that follows them. Each case is a file that
 * exists on no disk (`layers-probe.ts`), linted by the real configuration in a process of its own
 * (Jest cannot import the ES module that the configuration is).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface Case {
  name: string;
  file: string;
  code: string;
  /** The message of the refused import, or null when it must pass. */
  refused: RegExp | null;
  /** The rule that refuses it, when not the layers' own. */
  rule?: string;
}

const cases: Case[] = [
  {
    name: 'retry importing a driver (backoff used to live there)',
    file: 'src/retry/layers-probe.ts',
    code: "import { LocalKinesisDriver } from '../drivers/local/local-driver';\nexport const probe = LocalKinesisDriver;\n",
    refused: /retry may not import drivers: retry may import core, .*, sinks \(LAYERS and SIBLINGS/,
  },
  {
    name: 'the engine importing the APIs, by a dynamic import',
    file: 'src/engine/layers-probe.ts',
    code: "export const probe = () => import('../api/app');\n",
    refused: /engine may not import api/,
  },
  {
    name: 'core importing anything of src',
    file: 'src/core/layers-probe.ts',
    code: "export { decodeEvent } from '../events/decode';\n",
    refused: /core may not import events: core may import nothing of src/,
  },
  {
    name: 'sinks importing retry, a type only (the two used to import each other)',
    file: 'src/sinks/layers-probe.ts',
    code: "import type { RetryQueue } from '../retry/retry-queue';\nexport type Probe = RetryQueue;\n",
    refused: /sinks may not import retry/,
  },
  {
    name: 'a detector importing the engine',
    file: 'detectors/layers-probe.ts',
    code: "import { ShardProcessor } from '../src/engine/processor';\nexport const probe = ShardProcessor;\n",
    refused: /detectors may not import engine: detectors may import core, shared, events, window \(/,
  },
  {
    name: 'a library layer importing the composition root',
    file: 'src/api/layers-probe.ts',
    code: "import { startRiposte } from '../main/start';\nexport const probe = startRiposte;\n",
    refused: /api may not import main/,
  },
  {
    name: "the product importing a test's helper",
    file: 'src/api/layers-probe.ts',
    code: "import { waitFor } from '../../test/helpers/wait';\nexport const probe = waitFor;\n",
    refused: /api may not import test:/,
  },
  {
    name: 'the engine importing the AWS SDK',
    file: 'src/engine/layers-probe.ts',
    code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const probe = DynamoDBClient;\n",
    refused: /talk to no service \(NO_SERVICE_CLIENTS in eslint.config.mjs\)/,
    rule: 'no-restricted-imports',
  },
  {
    name: 'retry importing shared utilities and the responses store (a layer below, a named sibling)',
    file: 'src/retry/layers-probe.ts',
    code: "import { Backoff } from '../shared/backoff';\nimport { DynamoResponseStore } from '../sinks/dynamodb/responses-store';\nexport const probe = [Backoff, DynamoResponseStore];\n",
    refused: null,
  },
  {
    name: 'a detector importing core, events and windows',
    file: 'detectors/layers-probe.ts',
    code: "import { defineDetector } from '../src/core/detector';\nimport { compileMatch } from '../src/events/match';\nimport type { WindowTable } from '../src/window/keyed';\nexport const probe: [unknown, unknown, WindowTable | undefined] = [defineDetector, compileMatch, undefined];\n",
    refused: null,
  },
  {
    name: 'the command line importing the composition root',
    file: 'src/cli/layers-probe.ts',
    code: "export const probe = () => import('../main/start');\n",
    refused: null,
  },
];

/** Lints every case in one ESLint process; the messages of each, in order. */
function lint(all: readonly Case[]): { ruleId: string | null; message: string }[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(await new Promise((done) => { let text = ''; process.stdin.on('data', (c) => (text += c)).on('end', () => done(text)); }));
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: c.file });
      out.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message })));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: JSON.stringify(all), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`eslint failed (status ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { ruleId: string | null; message: string }[][];
}

describe('the layers rule', () => {
  let results: { ruleId: string | null; message: string }[][];
  beforeAll(() => {
    results = lint(cases);
  }, 120_000);

  test.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const messages = results[i] ?? [];
    if (c.refused === null) {
      expect(messages).toEqual([]);
    } else {
      expect(messages).toHaveLength(1);
      expect(messages[0]?.ruleId).toBe(c.rule ?? 'boundaries/dependencies');
      expect(messages[0]?.message).toMatch(c.refused);
    }
  });
});
