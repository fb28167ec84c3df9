/**
 * How fast the command line starts and replays, as whole processes, against baselines run in the
 * same run (machines here are noisy): `node -e ''` (Node's own start), and a plain node script that
 * reads a JSON-lines file and JSON.parses each line (the floor of any replay).
 *
 *   npm run bench:cli                 (1,000,000 events, 5 rounds, medians)
 *   BENCH_EVENTS=200000 npm run bench:cli
 *   BENCH_BASELINE_ROOT=/tmp/before npm run bench:cli     (also another checkout, same rounds)
 *
 * Targets: `riposte --help` and `riposte replay` of an empty file under 300 ms; `riposte replay` of
 * the million events at >= 0.8 x the speed of the plain script (its time / replay's time).
 * The last line is one JSON object with every figure.
 *
 * Each process also reports the CPU it spent (user + system, all threads; process.cpuUsage() at
 * exit, through a preloaded module): on a shared machine a process's wall time follows the CPU it was
 * given, its CPU time much less so. Both ratios are printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { mixEvent } from './generate';
import { seededRandom } from '../src/testing/random';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BIN = join(__dirname, '..', 'bin', 'riposte.js');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The plain script: read the file line by line and parse each, nothing else. */
const PLAIN = `
const lines = require('node:readline').createInterface({ input: require('node:fs').createReadStream(process.argv[1]), crlfDelay: Infinity });
let n = 0;
lines.on('line', (line) => { if (line !== '') { JSON.parse(line); n++; } });
lines.on('close', () => process.stderr.write(n + ' parsed\\n'));
`;

/** Preloaded into every process measured: its CPU time, on standard error as it exits. */
const CPU_AT_EXIT = `process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\n@cpu-ms ' + (u.user + u.system) / 1000 + '\\n'); });`;

function timeMs(args: readonly string[], preload: string): { ms: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-r', preload, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const cpu = [...run.stderr.matchAll(/^@cpu-ms (\S+)$/gm)].at(-1)?.[1];
  if (cpu === undefined) throw new Error(`node ${args.join(' ')} did not report its CPU time: ${run.stderr.slice(-2000)}`);
  return { ms, cpuMs: Number(cpu) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function writeEvents(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const rand = seededRandom(1);
  const options = { attackerShare: 0.02, ids: true, seed: 1, offset: 0, apps: 3 };
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(mixEvent(i, rand, options))}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'riposte-bench-cli-'));
  try {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const preload = join(dir, 'cpu-at-exit.js');
    writeFileSync(preload, CPU_AT_EXIT);
    const events = join(dir, 'events.jsonl');
    log(`writing ${EVENTS} events…`);
    await writeEvents(events, EVENTS);
    // Once, so that the transpile cache is warm, as it is after a checkout's first run.
    execFileSync(process.execPath, [BIN, 'replay', empty], { stdio: 'ignore' });

    const cases: Array<[string, string[]]> = [
      ["node -e ''", ['-e', '']],
      ['riposte --help', [BIN, '--help']],
      ['riposte replay (empty file)', [BIN, 'replay', empty]],
      [`plain script: read + JSON.parse ${EVENTS} lines`, ['-e', PLAIN, events]],
      [`riposte replay ${EVENTS} events`, [BIN, 'replay', events]],
    ];
    // BENCH_BASELINE_ROOT: another checkout (e.g. before a change), measured in the same rounds.
    const before = process.env.BENCH_BASELINE_ROOT;
    if (before !== undefined) {
      const bin = join(before, 'bin', 'riposte.js');
      execFileSync(process.execPath, [bin, 'replay', empty], { stdio: 'ignore' });
      cases.push([`${before}: riposte --help`, [bin, '--help']], [`${before}: riposte replay (empty file)`, [bin, 'replay', empty]], [`${before}: riposte replay ${EVENTS} events`, [bin, 'replay', events]]);
    }
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    const cpuTimes = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, args] of cases) {
        const { ms, cpuMs } = timeMs(args, preload);
        (times.get(name) as number[]).push(ms);
        (cpuTimes.get(name) as number[]).push(cpuMs);
      }
      log(`round ${round}/${ROUNDS} done`);
    }
    const m = Object.fromEntries([...times].map(([name, xs]) => [name, Math.round(median(xs))]));
    const cpu = Object.fromEntries([...cpuTimes].map(([name, xs]) => [name, Math.round(median(xs))]));
    const baseline = before === undefined ? {} : { baseline: { root: before, help: m[`${before}: riposte --help`], replayEmpty: m[`${before}: riposte replay (empty file)`], replay: m[`${before}: riposte replay ${EVENTS} events`] } };
    const plain = m[cases[3]?.[0] as string] as number;
    const replay = m[cases[4]?.[0] as string] as number;
    process.stdout.write(`\nwhole processes, median of ${ROUNDS} rounds, node ${process.version}\n\n| command | ms | CPU ms |\n|---|---:|---:|\n`);
    for (const [name] of cases) process.stdout.write(`| ${name} | ${m[name]} | ${cpu[name]} |\n`);
    const speed = plain / replay;
    const cpuSpeed = (cpu[cases[3]?.[0] as string] as number) / (cpu[cases[4]?.[0] as string] as number);
    const baselineCpuSpeed = before === undefined ? undefined : (cpu[cases[3]?.[0] as string] as number) / (cpu[`${before}: riposte replay ${EVENTS} events`] as number);
    process.stdout.write(
      `\nreplay speed / plain script: ${speed.toFixed(2)} (target >= 0.8); in CPU time ${cpuSpeed.toFixed(2)}` +
        `${baselineCpuSpeed === undefined ? '' : ` (baseline ${baselineCpuSpeed.toFixed(2)})`}\n`,
    );
    const help = m['riposte --help'] as number;
    const emptyReplay = m['riposte replay (empty file)'] as number;
    process.stdout.write(
      `${JSON.stringify({ bench: 'cli', events: EVENTS, rounds: ROUNDS, node: process.version, ms: { nodeE: m["node -e ''"], help, replayEmpty: emptyReplay, plainScript: plain, replay }, replayEventsPerSecond: Math.round(EVENTS / (replay / 1000)), replayVsPlain: Math.round(speed * 100) / 100, cpuMs: cpu, replayVsPlainCpu: Math.round(cpuSpeed * 100) / 100, ...baseline, targets: { help: help < 300, replayEmpty: emptyReplay < 300, replay: speed >= 0.8 } })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
