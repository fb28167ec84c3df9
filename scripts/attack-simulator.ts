/**
 * The attack simulator: plays a fleet of agents against a running Riposte server — benign traffic
 * plus attacks — and reports when each attack's ban or redirect becomes visible to the agents.
 *
 *   npx tsx scripts/attack-simulator.ts --help      (npm run simulate -- --help)
 *
 * Progress goes to standard error, the summary to standard output. Exit status: 0 every expected
 * response arrived in time and no benign actor was answered; 1 otherwise; 2 bad options or no server.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ATTACK_NAMES, ATTACKS, type AttackName } from './lib/attacks';
import { addApp, waitForToken } from './lib/create-app';
import { freshSeed } from './lib/random';
import { simulate, type SimulationResult } from './lib/simulation';
import { formatSummary, summarize } from './lib/summary';

const log = (line: string) => process.stderr.write(`${line}\n`);

const number =
  (name: string, min: number, whole = true) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be a ${whole ? 'whole ' : ''}number of at least ${min}, got "${value}"`);
    return n;
  };

function attackList(value: string): AttackName[] {
  if (value === 'all') return [...ATTACK_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!(ATTACK_NAMES as string[]).includes(name)) throw new InvalidArgumentError(`unknown attack "${name}"; the attacks are: ${ATTACK_NAMES.join(', ')} (or all)`);
  }
  if (names.length === 0) throw new InvalidArgumentError(`name at least one attack: ${ATTACK_NAMES.join(', ')} (or all)`);
  return names as AttackName[];
}

interface Options {
  url: string;
  token?: string[];
  dataDir?: string;
  apps: number;
  duration: number;
  rate: number;
  agents: number;
  flush: number;
  attacks: AttackName[];
  seed?: number;
  timeout: number;
  json?: boolean;
}

const program = new Command('attack-simulator')
  .description('Play a fleet of security agents against a running Riposte server: benign traffic plus attacks, and report when each ban or redirect reaches the agents.')
  .addOption(new Option('--url <url>', 'the server').env('RIPOSTE_URL').default('http://127.0.0.1:8080'))
  .addOption(
    new Option('--token <token...>', 'agent token(s), one application each: repeat the option, or comma-separate them in the variable')
      .env('RIPOSTE_TOKEN')
      .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',').filter((t) => t !== '')]),
  )
  .addOption(new Option('--data-dir <dir>', 'with no token: create the application(s) with `riposte apps add` in this RIPOSTE_DATA_DIR (an embedded server\'s)'))
  .addOption(new Option('--apps <count>', 'applications to create with --data-dir').default(1).argParser(number('--apps', 1)))
  .addOption(new Option('-d, --duration <seconds>', 'how long benign traffic runs; attacks start in its first half').default(30).argParser(number('--duration', 1)))
  .addOption(new Option('-r, --rate <events>', 'benign events per second, per application').default(20).argParser(number('--rate', 0, false)))
  .addOption(new Option('--agents <count>', 'agents per application').default(4).argParser(number('--agents', 1)))
  .addOption(new Option('--flush <ms>', 'mean time an agent holds its reports before posting them (each agent has its own pace)').default(1000).argParser(number('--flush', 10)))
  .addOption(new Option('-a, --attacks <list>', `comma-separated: ${ATTACK_NAMES.join(', ')}, or all`).default([...ATTACK_NAMES], 'all').argParser(attackList))
  .addOption(new Option('--seed <n>', 'makes the actors, attacks and traffic mix repeatable (default: random, printed)').argParser(number('--seed', 0)))
  .addOption(new Option('--timeout <seconds>', 'how long after its threshold event an expected response may take').default(15).argParser(number('--timeout', 1)))
  .option('--json', 'print the summary as one JSON object instead of a table')
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .addHelpText(
    'after',
    `
Attacks (thresholds are the built-in detectors' defaults; a server with other settings answers differently):
${ATTACK_NAMES.map((name) => `  ${name.padEnd(20)}${ATTACKS[name].description}`).join('\n')}

How it plays: each application gets --agents agents. Every request goes to a random agent (a load
balancer), so no agent sees a whole attack; each agent posts its reports every --flush ms or so, a
little out of order, and long-polls GET /v1/agent/responses?since=…&wait=20 as real agents do.
Simulated agents enforce nothing: they keep reporting, so every detector an attack sets off shows.
Benign users log in (sometimes after a typo), browse, call the API and hit a few missing pages.

For each expected response it prints when the first agent received it, measured from the moment
the ingest API accepted (202) the attack's threshold event (e.g. the 10th failed login). A response
on a benign actor is a false positive: printed loudly, and the run fails.

Examples:
  RIPOSTE_TOKEN=rpt_… npm run --silent simulate -- --duration 20
  npm run --silent simulate -- --data-dir ./.riposte --attacks brute-force,scanner --seed 7
  npm run --silent simulate -- --token rpt_A --token rpt_B --rate 50 --json

Exit status: 0 every expected response arrived within --timeout and no benign actor was answered;
1 otherwise; 2 bad options, no token, or the server cannot be reached.`,
  )
  .action(async (o: Options) => {
    process.exitCode = await run(o);
  });

async function run(o: Options): Promise<number> {
  const url = o.url.replace(/\/+$/, '');
  const seed = o.seed ?? freshSeed();
  let apps: { label: string; token: string }[];
  try {
    apps = await tokens(o, url);
  } catch (error) {
    log(`attack-simulator: ${(error as Error).message}`);
    return 2;
  }
  log(`seed ${seed} (repeat this run with --seed ${seed}); attacks: ${o.attacks.join(', ')}`);
  let results: SimulationResult[];
  try {
    results = await Promise.all(
      apps.map((app, k) =>
        simulate({ url, token: app.token, label: app.label, seed: seed + k * 7919, durationSeconds: o.duration, rate: o.rate, agents: o.agents, flushMs: o.flush, attacks: o.attacks, timeoutSeconds: o.timeout, log }),
      ),
    );
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message;
    log(`attack-simulator: ${url}: ${(error as Error).message}${detail === undefined ? '' : ` (${detail})`} — is \`riposte start\` running there, and is the token right?`);
    return 2;
  }
  const summary = summarize({ url, seed, durationSeconds: o.duration, rate: o.rate, agents: o.agents, timeoutSeconds: o.timeout, results });
  process.stdout.write(o.json === true ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
  return summary.ok ? 0 : 1;
}

async function tokens(o: Options, url: string): Promise<{ label: string; token: string }[]> {
  if (o.token !== undefined && o.token.length > 0) {
    return o.token.map((token, k) => ({ label: o.token?.length === 1 ? '' : `app${k + 1}`, token }));
  }
  if (o.dataDir === undefined) {
    throw new Error('no agent token: pass --token (or set RIPOSTE_TOKEN), or --data-dir DIR to create an application in the registry of an embedded server that runs with RIPOSTE_DATA_DIR=DIR');
  }
  const run = Date.now().toString(36);
  const created: { label: string; token: string }[] = [];
  for (let k = 1; k <= o.apps; k++) {
    const appId = `sim-${run}-${k}`;
    const token = await addApp(appId, o.dataDir);
    log(`created the application ${appId} (riposte apps add, RIPOSTE_DATA_DIR=${o.dataDir}); waiting for the server to accept its token`);
    created.push({ label: o.apps === 1 ? '' : appId, token });
  }
  for (const app of created) await waitForToken(url, app.token);
  return created;
}

program.parseAsync(process.argv).catch((error: unknown) => {
  log(`attack-simulator: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 2;
});
