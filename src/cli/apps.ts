/**
 * `riposte apps`: the application registry from the command line. `add` and `rotate` print the new
 * agent token alone on standard output (so `TOKEN=$(riposte apps add shop)` works) and explain
 * themselves on standard error; the token is therefore also the last line a terminal shows.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Command } from 'commander';
import { builtInDetectors } from '../../detectors';
import { awsEndpointsConfigured, loadEnv } from '../config/env';
import { parseYamlFile } from '../config/settings-file';
import { describeApp, type AppRecord, type PlaybookSource } from '../registry/app-record';
import { openRegistryStore } from '../registry/open';
import { AppRegistry, type AppChanges } from '../registry/registry';
import { RegistryError } from '../registry/store';
import { tokenId } from '../registry/tokens';
import type { CliContext } from './context';
import { formatTable } from './format';

export type OpenRegistry = () => AppRegistry;

// As `riposte start` decides: AWS when endpoints are configured (or RIPOSTE_USE_AWS=1), else the data directory's file.
const fromEnvironment: OpenRegistry = () => new AppRegistry(openRegistryStore(loadEnv(), awsEndpointsConfigured() ? 'aws' : 'embedded'), builtInDetectors);

/** Seconds within which a running server sees a registry change (its refresh interval, with margin). */
const PROPAGATION_SECONDS = 5;

interface ChangeOptions {
  settings?: string;
  playbook?: string[];
}

export function appsCommand(cli: CliContext, open: OpenRegistry = fromEnvironment): Command {
  const { stdout, stderr } = cli.io;
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await action(...args);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        stderr.write(`riposte: ${error.message}\n`);
        cli.exitCode = error.code === 'invalid_app_id' || error.code === 'invalid_settings' ? 2 : 1;
      }
    };

  const apps = new Command('apps')
    .description('Manage applications and their agent tokens (the registry lives in RIPOSTE_DATA_DIR, or the DynamoDB apps table when AWS endpoints are configured).')
    .addHelpText(
      'after',
      '\nExamples:\n  TOKEN=$(riposte apps add shop)\n  riposte apps add shop --settings shop.yaml --playbook card-testing.yaml\n' +
        '  riposte apps list\n  riposte apps rotate shop\n  riposte apps configure shop --settings shop.yaml',
    );

  apps
    .command('add')
    .description('Create an application and print its first agent token (shown once: only its hash is kept).')
    .argument('<appId>', 'application id: letters, digits and . _ : -, starting with a letter or digit')
    .option('--settings <file>', "the application's settings, YAML or JSON: detectors, allowlist, repeatOffenders")
    .option('--playbook <file...>', 'playbook files (YAML) of the application')
    .action(
      run(async (appId: string, opts: ChangeOptions) => {
        const { token } = await open().add(appId, await readChanges(opts));
        stderr.write(`Created application ${appId}. Its agents authenticate with the token below (Authorization: Bearer <token>).\n`);
        stderr.write(`It is shown only this once. Running servers accept it within ${PROPAGATION_SECONDS} seconds.\n`);
        stdout.write(`${token}\n`);
      }),
    );

  apps
    .command('list')
    .description('List the applications, their tokens (by id, never the secret) and settings.')
    .option('--json', 'one JSON object per application')
    .action(
      run(async (opts: { json?: boolean }) => {
        const records = await open().list();
        if (opts.json === true) {
          for (const r of records) stdout.write(`${JSON.stringify(describeApp(r))}\n`);
        } else {
          stdout.write(formatAppsTable(records));
        }
      }),
    );

  apps
    .command('rotate')
    .description('Issue a new agent token and revoke the previous ones.')
    .argument('<appId>', 'application id')
    .addHelpText(
      'after',
      `\nThe previous tokens are revoked, not kept: agents still using them get 401 within ${PROPAGATION_SECONDS} seconds.\n` +
        'Roll the new token out to the agents right after rotating.',
    )
    .action(
      run(async (appId: string) => {
        const { token, revoked } = await open().rotate(appId);
        stderr.write(
          `New agent token for ${appId}. ${revoked === 1 ? 'The previous token is' : `The ${revoked} previous tokens are`} revoked: ` +
            `agents still using ${revoked === 1 ? 'it' : 'them'} get 401 within ${PROPAGATION_SECONDS} seconds.\n`,
        );
        stdout.write(`${token}\n`);
      }),
    );

  apps
    .command('configure')
    .description(`Replace an application's settings and/or playbooks (running servers apply them within ${PROPAGATION_SECONDS} seconds).`)
    .argument('<appId>', 'application id')
    .option('--settings <file>', "the application's settings, YAML or JSON: detectors, allowlist, repeatOffenders")
    .option('--playbook <file...>', 'playbook files (YAML); they replace the current playbooks')
    .option('--no-playbooks', 'remove every playbook of the application')
    .action(
      run(async (appId: string, opts: ChangeOptions & { playbooks?: boolean }) => {
        const changes = await readChanges(opts);
        if (opts.playbooks === false) changes.playbooks = [];
        if (changes.settings === undefined && changes.playbooks === undefined) {
          throw new RegistryError('invalid_settings', 'nothing to change: give --settings FILE, --playbook FILE... or --no-playbooks');
        }
        const record = await open().configure(appId, changes);
        stderr.write(`Updated ${appId} (revision ${record.revision}).\n`);
      }),
    );
  return apps;
}

async function readChanges(opts: ChangeOptions): Promise<AppChanges> {
  const changes: AppChanges = {};
  if (opts.settings !== undefined) {
    changes.settings = await readYaml(opts.settings);
    changes.source = opts.settings;
  }
  if (opts.playbook !== undefined) {
    const playbooks: PlaybookSource[] = [];
    for (const file of opts.playbook) playbooks.push({ name: basename(file, extname(file)), yaml: await readText(file) });
    changes.playbooks = playbooks;
  }
  return changes;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new RegistryError('invalid_settings', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

async function readYaml(file: string): Promise<unknown> {
  // An empty file is no settings: the defaults.
  return parseYamlFile(file, await readText(file), (message) => new RegistryError('invalid_settings', message)) ?? {};
}

function summary(r: AppRecord): string {
  const s = r.settings as { detectors?: Record<string, unknown>; allowlist?: { ips?: unknown[]; users?: unknown[] }; repeatOffenders?: object };
  const parts: string[] = [];
  const detectors = Object.keys(s.detectors ?? {});
  if (detectors.length > 0) parts.push(`detectors: ${detectors.join(', ')}`);
  const ips = s.allowlist?.ips?.length ?? 0;
  const users = s.allowlist?.users?.length ?? 0;
  if (ips + users > 0) parts.push(`allowlist: ${ips} ips, ${users} users`);
  if (s.repeatOffenders !== undefined) parts.push('repeatOffenders');
  if (r.playbooks.length > 0) parts.push(`playbooks: ${r.playbooks.map((p) => p.name).join(', ')}`);
  return parts.length === 0 ? 'defaults' : parts.join('; ');
}

function formatAppsTable(records: readonly AppRecord[]): string {
  if (records.length === 0) return 'no applications (add one with: riposte apps add APP_ID)\n';
  const rows = records.map((r) => [r.appId, r.tokens.map((t) => tokenId(t.hash)).join(','), r.createdAt, r.updatedAt, summary(r)]);
  return formatTable(['app', 'tokens', 'created', 'updated', 'settings'], rows);
}
