// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import eslint from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first. A folder may import the folders of the layers below its own, and
 * of its own layer only those SIBLINGS names; never a layer above. `main` is the composition root
 * (src/main/), the only place that wires adapters together; detectors/ (at the root) is a layer too.
 * Tests, bench/ and scripts/ are not held to it: they may reach anything.
 */
const LAYERS = [
  ['core'], // the detector contract, the response, ports, the application-config types: imports nothing
  ['shared'], // small utilities any layer may use (the retry policy, rxjs helpers, backoff, bounded maps, Lua scripts)
  ['events', 'window'],
  ['engine', 'detectors'],
  ['config'], // the environment (the only reader of process.env) and the settings file
  ['aws'],
  ['drivers', 'sinks', 'retry', 'api', 'cache', 'playbooks', 'registry', 'observability', 'embedded'],
  ['main', 'testing'],
  ['cli'],
];

/**
 * Which folders of the same layer each folder may import; a pair not named here is refused, so a new
 * sideways edge is a decision written down. It must stay acyclic (checked below).
 */
const SIBLINGS = {
  api: ['cache', 'registry', 'playbooks', 'observability'], // the APIs read through the cache and the registry
  cache: ['sinks'], // the notifier wraps the responses store's settled writes
  retry: ['sinks'], // the queued sink and the digester write through the responses store
  observability: ['drivers', 'retry', 'sinks'], // metrics read their counters
};

/**
 * Detection itself talks to no service: these folders may not import the clients of one (the AWS
 * SDK, Redis, HTTP servers, the emulators). Adapters bring the I/O; detectors and playbooks stay
 * testable on plain events.
 */
const NO_SERVICE_CLIENTS = ['core', 'events', 'window', 'engine', 'detectors', 'playbooks'];
const SERVICE_CLIENTS = ['@aws-sdk/*', '@smithy/*', 'ioredis', 'fastify', '@fastify/*', 'aws-kcl', 'kinesalite', 'dynalite', 'kinesis-local'];

/** src/types holds ambient declarations (of untyped packages), imported by no one. */
const NOT_A_LAYER = ['types'];

/** What the product never imports: the tests' helpers and fixtures, the benchmarks, the scripts. */
const NOT_THE_PRODUCT = ['test', 'bench', 'scripts'];

function layerRules() {
  const levelOf = new Map(LAYERS.flatMap((level, i) => level.map((folder) => [folder, i])));
  const unplaced = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !levelOf.has(entry.name) && !NOT_A_LAYER.includes(entry.name))
    .map((entry) => `src/${entry.name}`);
  if (unplaced.length > 0) throw new Error(`${unplaced.join(', ')} is in no layer: add it to LAYERS in eslint.config.mjs`);
  for (const [folder, siblings] of Object.entries(SIBLINGS)) {
    for (const sibling of siblings) {
      if (levelOf.get(sibling) !== levelOf.get(folder)) throw new Error(`SIBLINGS in eslint.config.mjs: ${sibling} is not in the layer of ${folder}`);
    }
  }
  const reaches = (from, to, seen = new Set()) =>
    (SIBLINGS[from] ?? []).some((next) => next === to || (!seen.has(next) && (seen.add(next), reaches(next, to, seen))));
  for (const folder of Object.keys(SIBLINGS)) {
    if (reaches(folder, folder)) throw new Error(`SIBLINGS in eslint.config.mjs: ${folder} reaches itself; folders of one layer must not import each other in a circle`);
  }
  const elements = [
    ...[...levelOf.keys()].map((folder) => ({ type: folder, pattern: folder === 'detectors' ? 'detectors' : `src/${folder}` })),
    ...NOT_THE_PRODUCT.map((folder) => ({ type: folder, pattern: folder })),
  ];
  const policies = [...levelOf].map(([folder, level]) => {
    const allowed = [...LAYERS.slice(0, level).flat(), ...(SIBLINGS[folder] ?? [])];
    const refused = [...levelOf.keys(), ...NOT_THE_PRODUCT].filter((other) => other !== folder && !allowed.includes(other));
    return {
      from: { element: { type: folder } },
      disallow: { to: { element: { types: { anyOf: refused } } } },
      message:
        `${folder} may not import {{to.type}}: ${folder} may import ${allowed.length === 0 ? 'nothing of src' : allowed.join(', ')} (LAYERS and SIBLINGS in ` +
        'eslint.config.mjs). Move what both need down (types to src/core, utilities to src/shared), or pass it in from src/main.',
    };
  });
  return { elements, policies };
}

const layers = layerRules();

export default tseslint.config(
  { ignores: ['dist/', '**/dist/', 'node_modules/', 'coverage/', '.riposte/', 'bin/', 'jest.config.js', 'packages/*/jest.config.js', '**/.build-test-*/', '**/*.tmp.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // layers-probe.ts: the files test/lint/layers.test.ts lints from standard input, which are
        // on no disk and so in no tsconfig project.
        projectService: { allowDefaultProject: ['eslint.config.mjs', 'test/fixtures/*.js', 'src/*/layers-probe.ts', 'detectors/layers-probe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // stdout belongs to the KCL MultilangDaemon in `riposte kcl`: write through the logger or an
      // explicit output stream.
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'detectors/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': layers.elements,
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: { 'boundaries/dependencies': ['error', { default: 'allow', policies: layers.policies }] },
  },
  {
    files: NO_SERVICE_CLIENTS.map((folder) => (folder === 'detectors' ? 'detectors/**/*.ts' : `src/${folder}/**/*.ts`)),
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SERVICE_CLIENTS,
              message: `${NO_SERVICE_CLIENTS.join(', ')} talk to no service (NO_SERVICE_CLIENTS in eslint.config.mjs): take a port from src/core/ports.ts and let an adapter implement it.`,
            },
          ],
        },
      ],
    },
  },
  {
    // Plain CommonJS run by Node (the tap the real-daemon tests put between the daemon and a child).
    files: ['test/fixtures/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**', 'examples/**'],
    rules: { 'no-console': 'off' },
  },
);
