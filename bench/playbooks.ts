/**
 * Does a playbook cost more than the built-in detector it restates? Both run in the same process,
 * on the same records, through the whole pipeline (decode, windows, responses), batch by batch in
 * turn. Decoding dominates a pipeline with one detector, so each side runs COPIES detectors (the
 * built-in under COPIES names, the playbook as COPIES files) to make the detectors' share visible.
 * Figures: the ratio of medians and of minimums (the least disturbed round: the machine is shared),
 * for the whole pipeline and for the detectors alone (a processor without detectors taken off).
 *
 *   npm run bench:playbooks -- [events] [rounds] [copies]
 */
import { DEFAULT_IPV6_PREFIX } from '../src/events/actor-ip';
import accountTakeover from '../detectors/account-takeover';
import credentialStuffing from '../detectors/credential-stuffing';
import loginBruteForce from '../detectors/login-brute-force';
import type { AppConfig, AppConfigSource } from '../src/core/app-config';
import { DEFAULT_REPEAT_OFFENDERS, resolveDetector, StaticAppConfigSource } from '../src/engine/app-settings';
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

const sequenceYaml = `name: successful-brute-force\ndescription: failures then a success.\ngroupBy: actor.ip\nwindow: 10m\nsequence:\n  - match: { type: login_failure }\n    count: 5\n  - match: { type: login_success }\nresponse: { action: ban, target: actor.ip, duration: 1d }\n`;

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
type Side = 'empty' | 'builtIn' | 'playbook';

/**
 * One round: a processor per side, fed the same batches in turn, the order rotating from batch to
 * batch, so that whatever else the machine does at a given moment weighs on every side alike. The
 * cost is CPU time (ms), not wall time: time spent descheduled while another process runs is not
 * this code's cost.
 */
async function round(configs: Record<Side, AppConfigSource>, records: readonly ShardRecord[], r: number): Promise<Record<Side, number>> {
  gc?.();
  const sides = Object.keys(configs) as Side[];
  const processors = Object.fromEntries(sides.map((side) => [side, new ShardProcessor({ shardId: 'bench', config: configs[side] })])) as Record<Side, ShardProcessor>;
  const spent: Record<Side, number> = { empty: 0, builtIn: 0, playbook: 0 };
  for (let i = 0, b = r; i < records.length; i += BATCH, b++) {
    const batch = records.slice(i, i + BATCH);
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(k + b) % sides.length] as Side;
      const start = process.cpuUsage();
      await processors[side].processBatch(batch);
      const used = process.cpuUsage(start);
      spent[side] += (used.user + used.system) / 1000;
    }
  }
  return spent;
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
    ipv6Prefix: DEFAULT_IPV6_PREFIX,
  };
  return { forApp: () => config };
}

/** The playbook as COPIES files. */
function playbookCopies(yaml: string, name: string): AppConfigSource {
  const entries = names.map((copy) => ({ name: copy, yaml: yaml.replace(`name: ${name}`, `name: ${copy}`), origin: `${copy}.yaml` }));
  return new PlaybookConfigSource(new StaticAppConfigSource([]), { playbooksFor: () => entries });
}

/** Ratios of paired rounds (the same batches, interleaved): median, and the range over rounds. */
function report(label: string, t: Record<Side, number[]>): void {
  const whole = t.playbook.map((p, r) => p / (t.builtIn[r] as number));
  const detectors = t.playbook.map((p, r) => (p - (t.empty[r] as number)) / ((t.builtIn[r] as number) - (t.empty[r] as number)));
  const range = (xs: number[]) => `${median(xs).toFixed(3)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]`;
  console.log(
    `${label.padEnd(36)} ${median(t.builtIn).toFixed(0).padStart(8)} ${median(t.playbook).toFixed(0).padStart(8)}  ${range(whole).padEnd(20)}` +
      `${(median(t.builtIn) - median(t.empty)).toFixed(0).padStart(8)} ${(median(t.playbook) - median(t.empty)).toFixed(0).padStart(8)}  ${range(detectors)}`,
  );
}

async function rounds(configs: Record<Side, AppConfigSource>, records: readonly ShardRecord[]): Promise<Record<Side, number[]>> {
  await round(configs, records, 0); // warm-up
  const t: Record<Side, number[]> = { empty: [], builtIn: [], playbook: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const spent = await round(configs, records, r);
    for (const side of Object.keys(t) as Side[]) t[side].push(spent[side]);
  }
  return t;
}

async function main(): Promise<void> {
  const records = traffic(EVENTS);
  const empty = new StaticAppConfigSource([]);
  console.log(`${EVENTS} events, ${ROUNDS} rounds, ${COPIES} copies of each detector, batches of ${BATCH}, node ${process.version}, CPU ms${gc === undefined ? ' (run with --expose-gc for steadier figures)' : ''}`);
  console.log(`${'CPU ms (median of rounds)'.padEnd(36)} built-in playbook  ratio [range]       | detectors only: built-in playbook  ratio [range]`);
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
