/**
 * Does a playbook cost more than the built-in detector it restates? Both run in the same process,
 * on the same records, through the whole pipeline (decode, windows, responses), in alternating
 * rounds. Decoding dominates a pipeline with one detector, so each side runs COPIES detectors (the
 * built-in under COPIES names, the playbook as COPIES files) to make the detectors' share visible.
 * Figures: the ratio of medians and of minimums (the least disturbed round: the machine is shared),
 * for the whole pipeline and for the detectors alone (a processor without detectors taken off).
 *
 *   node --expose-gc --import tsx bench/playbooks.ts [events] [rounds] [copies]
 */
import accountTakeover from '../detectors/account-takeover';
import credentialStuffing from '../detectors/credential-stuffing';
import loginBruteForce from '../detectors/login-brute-force';
import { DEFAULT_REPEAT_OFFENDERS, resolveDetector, StaticAppConfigSource, type AppConfig, type AppConfigSource } from '../src/config/app-config';
import type { DetectorDefinition } from '../src/core/detector';
import { ShardProcessor } from '../src/engine/processor';
import type { ShardRecord } from '../src/engine/types';
import { PlaybookConfigSource } from '../src/playbooks/config-source';
import { attack, custom, loginFailure, loginSuccess, request, toRecords, type TestEvent } from '../src/testing/factories';

const EVENTS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 9);
const COPIES = Number(process.argv[4] ?? 8);
const BATCH = 500;

const pairs: { name: string; detector: DetectorDefinition; yaml: string }[] = [
  {
    name: 'count (login-brute-force)',
    detector: loginBruteForce as DetectorDefinition,
    yaml: `name: restated\ndescription: login-brute-force as a playbook.\nmatch: { type: login_failure }\ngroupBy: actor.ip\nwindow: 1m\nthreshold: 10\nreason: "{count} login failures in {windowSeconds} s"\nresponse: { action: ban, target: actor.ip, duration: 15m }\n`,
  },
  {
    name: 'distinct (credential-stuffing)',
    detector: credentialStuffing as DetectorDefinition,
    yaml: `name: restated\ndescription: credential-stuffing as a playbook.\nmatch: { type: login_failure }\ngroupBy: actor.ip\nwindow: 10m\nthreshold: { count: 20, distinct: user.login }\nreason: "login failures for {count} different users in {windowSeconds} s"\nresponse: { action: ban, target: actor.ip, duration: 1h }\n`,
  },
  {
    name: 'distinct by user (account-takeover)',
    detector: accountTakeover as DetectorDefinition,
    yaml: `name: restated\ndescription: account-takeover as a playbook.\nmatch: { type: login_failure }\ngroupBy: user.login\nwindow: 10m\nthreshold: { count: 10, distinct: actor.ip }\nreason: "login failures from {count} different IP addresses in {windowSeconds} s"\nresponse: { action: redirect, target: user.login, duration: 30m, url: /security-check }\n`,
  },
];

const sequenceYaml = `name: successful-brute-force\ndescription: failures then a success.\ngroupBy: [actor.ip, user.login]\nwindow: 10m\nsequence:\n  - match: { type: login_failure }\n    count: 5\n  - match: { type: login_success }\nresponse: { action: redirect, target: user.login, duration: 1d, url: /verify-identity }\n`;

function traffic(n: number): ShardRecord[] {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const events: TestEvent[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += random() * 0.01;
    const ip = random() < 0.2 ? `203.0.113.${Math.floor(random() * 8)}` : `10.${Math.floor(random() * 64)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
    const login = `user${Math.floor(random() * 5000)}@example.com`;
    const k = random();
    const id = `agent-${i % 16}:${i}`;
    if (k < 0.45) events.push(loginFailure({ ip, login, at, id }));
    else if (k < 0.55) events.push(loginSuccess({ ip, login, at, id }));
    else if (k < 0.65) events.push(attack({ ip, category: 'sqli', at, id }));
    else if (k < 0.9) events.push(request({ ip, path: `/products/${Math.floor(random() * 1000)}`, status: 200, at, id }));
    else events.push(custom({ ip, event: 'gift_card_redeem', at, id, props: { code: `GC-${Math.floor(random() * 1e6)}` } }));
  }
  return toRecords(events);
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * CPU time (ms) of one run, not wall time: the machine is shared, and time spent descheduled while
 * another process runs is not this code's cost.
 */
async function timeRun(config: AppConfigSource, records: readonly ShardRecord[]): Promise<number> {
  gc?.();
  const processor = new ShardProcessor({ shardId: 'bench', config });
  const start = process.cpuUsage();
  for (let i = 0; i < records.length; i += BATCH) await processor.processBatch(records.slice(i, i + BATCH));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const names = Array.from({ length: COPIES }, (_, i) => `copy-${i}`);

/** The built-in detector, resolved as the settings would resolve it, under COPIES names. */
function builtInCopies(detector: DetectorDefinition): AppConfigSource {
  const resolved = resolveDetector('bench', detector, {}, false);
  const config: AppConfig = {
    detectors: names.map((name) => ({ ...resolved, name, fingerprint: `${resolved.fingerprint}/${name}` })),
    allowlist: { ips: [], users: [] },
    repeatOffenders: DEFAULT_REPEAT_OFFENDERS,
  };
  return { forApp: () => config };
}

/** The playbook as COPIES files. */
function playbookCopies(yaml: string, name: string): AppConfigSource {
  const entries = names.map((copy) => ({ name: copy, yaml: yaml.replace(`name: ${name}`, `name: ${copy}`), origin: `${copy}.yaml` }));
  return new PlaybookConfigSource(new StaticAppConfigSource([]), { playbooksFor: () => entries });
}

function report(label: string, t: Record<'empty' | 'builtIn' | 'playbook', number[]>): void {
  const row = (pick: (xs: number[]) => number) => {
    const [e, b, p] = [pick(t.empty), pick(t.builtIn), pick(t.playbook)];
    return `${b.toFixed(0).padStart(6)} ${p.toFixed(0).padStart(6)} ${(p / b).toFixed(3)}   ${(b - e).toFixed(0).padStart(6)} ${(p - e).toFixed(0).padStart(6)} ${((p - e) / (b - e)).toFixed(3)}`;
  };
  console.log(`${label.padEnd(36)} median ${row(median)}`);
  console.log(`${''.padEnd(36)} min    ${row((xs) => Math.min(...xs))}`);
}

async function rounds(configs: Record<'empty' | 'builtIn' | 'playbook', AppConfigSource>, records: readonly ShardRecord[]) {
  const t: Record<'empty' | 'builtIn' | 'playbook', number[]> = { empty: [], builtIn: [], playbook: [] };
  const order = Object.keys(configs) as ('empty' | 'builtIn' | 'playbook')[];
  for (const key of order) await timeRun(configs[key], records); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order so that no side always runs right after the same other one.
    for (let k = 0; k < order.length; k++) {
      const key = order[(k + r) % order.length] as 'empty' | 'builtIn' | 'playbook';
      t[key].push(await timeRun(configs[key], records));
    }
  }
  return t;
}

async function main(): Promise<void> {
  const records = traffic(EVENTS);
  const empty = new StaticAppConfigSource([]);
  console.log(`${EVENTS} events, ${ROUNDS} rounds, ${COPIES} copies of each detector, batches of ${BATCH}, node ${process.version}, CPU ms${gc === undefined ? ' (run with --expose-gc for steadier figures)' : ''}`);
  console.log(`${''.padEnd(36)}        ms: built-in playbook ratio | detectors only: built-in playbook ratio`);
  // Control: the built-in against itself. Its spread is the noise the other rows are read against.
  report('control: built-in vs built-in', await rounds({ empty, builtIn: builtInCopies(loginBruteForce as DetectorDefinition), playbook: builtInCopies(loginBruteForce as DetectorDefinition) }, records));
  for (const pair of pairs) {
    report(pair.name, await rounds({ empty, builtIn: builtInCopies(pair.detector), playbook: playbookCopies(pair.yaml, 'restated') }, records));
  }
  // For information: the sequence condition next to a count over the same login events.
  console.log('\nfor information, a sequence playbook (5 failures then a success) in the playbook column, a count built-in in the other:');
  report('sequence vs count', await rounds({ empty, builtIn: builtInCopies(loginBruteForce as DetectorDefinition), playbook: playbookCopies(sequenceYaml, 'successful-brute-force') }, records));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
