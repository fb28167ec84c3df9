/**
 * scripts/attack-simulator.ts as an operator runs it, against `riposte start` (a child process on
 * a free port with a temporary data directory). Two runs at once, on two applications:
 * - the demo application with default settings: every attack is detected with the responses it
 *   should bring about, no benign actor is answered, exit 0;
 * - an application whose settings make the simulator's expectations wrong — brute-force detection
 *   off, and a scanner that bans an address after 2 missing paths — so that the run must fail
 *   loudly: the brute force is missed, benign addresses are reported banned, exit 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTACK_NAMES, type AttackName } from '../../scripts/lib/attacks';
import { addApp, waitForToken } from '../../scripts/lib/create-app';
import { runNode } from '../../scripts/lib/run-node';
import type { RunSummary } from '../../scripts/lib/summary';
import { demoToken, startRiposteProcess, type RiposteProcess } from '../helpers/riposte-process';

interface SimulatorRun {
  code: number | null;
  stderr: string;
  summary: RunSummary;
}

async function simulator(args: string[]): Promise<SimulatorRun> {
  const { code, stdout: out, stderr: err } = await runNode(['-r', 'tsx/cjs', 'scripts/attack-simulator.ts', ...args, '--json']);
  const last = out.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{')) throw new Error(`the simulator printed no summary (exit ${code}):\n${err.slice(-3000)}`);
  return { code, stderr: err, summary: JSON.parse(last) as RunSummary };
}

/** What each attack must bring about at the built-in detectors' defaults. */
const expected: Record<AttackName, { detector: string; action: string; target: 'ip' | 'user' }[]> = {
  'brute-force': [{ detector: 'login-brute-force', action: 'ban', target: 'ip' }],
  'credential-stuffing': [
    { detector: 'credential-stuffing', action: 'ban', target: 'ip' },
    { detector: 'login-brute-force', action: 'ban', target: 'ip' },
  ],
  scanner: [{ detector: 'scanner', action: 'ban', target: 'ip' }],
  'path-scan': [{ detector: 'scanner', action: 'ban', target: 'ip' }],
  'account-takeover': [{ detector: 'account-takeover', action: 'redirect', target: 'user' }],
  'attack-flood': [{ detector: 'attack-flood', action: 'ban', target: 'ip' }],
};

describe('attack simulator against riposte start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-sim-'));
  let server: RiposteProcess;
  let fine: SimulatorRun;
  let misconfigured: SimulatorRun;

  beforeAll(async () => {
    server = await startRiposteProcess(dataDir);
    const token = await demoToken(server);
    const settings = join(dataDir, 'strict.yaml');
    writeFileSync(settings, 'detectors:\n  login-brute-force: { enabled: false }\n  scanner: { pathThreshold: 2, windowSeconds: 900 }\n');
    const strictToken = await addApp('strict', dataDir, ['--settings', settings]);
    await waitForToken(server.url, strictToken);
    [fine, misconfigured] = await Promise.all([
      simulator(['--url', server.url, '--token', token, '--duration', '8', '--seed', '11', '--timeout', '10']),
      // Seed 4: a benign address sees its 2nd distinct missing path at about the 200th benign event (of ~480).
      simulator(['--url', server.url, '--token', strictToken, '--duration', '8', '--rate', '60', '--seed', '4', '--timeout', '3', '--attacks', 'brute-force']),
    ]);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(ATTACK_NAMES)('%s: each expected response reaches the agents in time', (name) => {
    const attack = fine.summary.results[0]?.attacks.find((a) => a.attack === name);
    expect(attack?.detected).toBe(true);
    expect(attack?.expectations.map((e) => ({ detector: e.detector, action: e.action, target: e.target.type }))).toEqual(expected[name]);
    for (const e of attack?.expectations ?? []) {
      expect(e).toMatchObject({ status: 'detected', beforeThreshold: false, simulated: false });
      expect(e.delayMs).toBeGreaterThanOrEqual(0);
      expect(e.delayMs).toBeLessThan(10_000);
    }
  });

  it('answers no benign actor, and says OK with exit status 0', () => {
    expect(fine.summary.results[0]?.falsePositives).toEqual([]);
    expect(fine.summary.results[0]?.fleet).toMatchObject({ lost: 0, rejected: 0 });
    expect(fine.summary.ok).toBe(true);
    expect(fine.code).toBe(0);
    expect(fine.stderr).not.toContain('FALSE POSITIVE');
  });

  it('reports a missed response and benign addresses banned, loudly, with exit status 1', () => {
    const result = misconfigured.summary.results[0];
    expect(result?.attacks[0]?.expectations[0]?.status).toBe('missed');
    expect(result?.falsePositives.length).toBeGreaterThan(0);
    for (const f of result?.falsePositives ?? []) {
      expect(f).toMatchObject({ detector: 'scanner', action: 'ban', target: { type: 'ip' } });
      expect(f.target.value).toMatch(/^198\.1[89]\./); // the benign range
    }
    expect(misconfigured.stderr).toContain('FALSE POSITIVE: benign address');
    expect(misconfigured.summary.ok).toBe(false);
    expect(misconfigured.code).toBe(1);
  });
});
