/**
 * DetectorTester: a detector's test is a table of cases — events in, responses expected out — in the
 * manner of ESLint's RuleTester. Each case runs the real pipeline (records → decode → engine) with
 * only the detector under test enabled, so what passes here is what runs in production.
 *
 * ```ts
 * new DetectorTester(loginBruteForce).run([
 *   { name: 'ten failures in a minute ban the IP', events: times(10, (i) => loginFailure({ ip, at: i })),
 *     responses: [{ target: `ip:${ip}`, action: 'ban', durationSeconds: 900, reason: '10 login failures in 60 s' }] },
 * ]);
 * ```
 */
import type { DetectorDefinition } from '../core/detector';
import type { SecurityResponse } from '../core/response';
import type { AppConfig, RepeatOffenderPolicy } from '../core/app-config';
import { resolveAppConfig } from '../engine/app-settings';
import { planProblems } from '../engine/plan-check';
import { ShardProcessor, type ProcessorOptions } from '../engine/processor';
import { MemoryResponseStore } from '../sinks/memory-store';
import { BASE_TIME, toRecords } from './factories';

export interface ExpectedResponse {
  /** `ip:203.0.113.7` or `user:alice@example.com`. */
  target: string;
  app?: string;
  action?: 'ban' | 'redirect';
  durationSeconds?: number;
  /** Events or distinct values in the window that fired. */
  count?: number;
  redirectUrl?: string | null;
  /** The reason as written in the response, its placeholders filled. */
  reason?: string;
  simulated?: boolean;
  /** Seconds after BASE_TIME of the event that triggered it. */
  at?: number;
}

export interface DetectorCase {
  /** Says the behaviour the case pins; must be unique in the table. */
  name: string;
  events: readonly object[];
  /** Parameter overrides, validated by the detector's schema. */
  params?: Record<string, unknown>;
  simulate?: boolean;
  allowlist?: { ips?: string[]; users?: string[] };
  repeatOffenders?: Partial<RepeatOffenderPolicy>;
  /** Responses already written before these events. */
  history?: readonly SecurityResponse[];
  /** Records per batch; cutting a run into batches must not change its outcome. */
  batchSize?: number;
  processor?: Partial<ProcessorOptions>;
  responses: readonly ExpectedResponse[];
}

export interface CaseOutcome {
  responses: SecurityResponse[];
  processor: ShardProcessor;
}

export class DetectorTester {
  constructor(private readonly detector: DetectorDefinition) {}

  /** Runs one case's events and returns what the engine decided. */
  async outcome(c: Omit<DetectorCase, 'name' | 'responses'>): Promise<CaseOutcome> {
    const config: AppConfig = resolveAppConfig(
      'test',
      [this.detector],
      {},
      {
        detectors: { [this.detector.name]: { ...c.params, simulate: c.simulate ?? false } },
        allowlist: c.allowlist,
        repeatOffenders: c.repeatOffenders,
      },
    );
    const history = new MemoryResponseStore();
    await history.write(c.history ?? []);
    const processor = new ShardProcessor({ shardId: 'shardId-000000000000', config: { forApp: () => config }, history, ...c.processor });
    const records = toRecords(c.events);
    const size = c.batchSize ?? 500;
    const responses: SecurityResponse[] = [];
    for (let i = 0; i < records.length; i += size) {
      const outcome = await processor.processBatch(records.slice(i, i + size));
      responses.push(...outcome.responses);
      for (const letter of outcome.deadLetters) throw new Error(`test event rejected: ${letter.reason}`);
    }
    return { responses, processor };
  }

  /** Declares one jest test per case. */
  run(cases: readonly DetectorCase[]): void {
    const names = new Set<string>();
    for (const c of cases) {
      if (names.has(c.name)) throw new Error(`${this.detector.name}: two cases are named "${c.name}"; name each for the behaviour it pins`);
      names.add(c.name);
    }
    describe(this.detector.name, () => {
      it('has defaults for every parameter', () => {
        expect(this.detector.params.safeParse({}).success).toBe(true);
      });
      it('plans its defaults as the engine accepts them (fields, limits, reason placeholders)', () => {
        expect(planProblems(this.detector.plan(this.detector.params.parse({})))).toEqual([]);
      });
      for (const c of cases) {
        it(c.name, async () => {
          const { responses } = await this.outcome(c);
          const actual = responses.map((r, i) => summarize(r, c.responses[i]));
          expect(actual).toEqual(c.responses.map((e) => ({ detector: this.detector.name, ...e })));
        });
      }
    });
  }
}

/**
 * `r` in the vocabulary of the expectations, limited to the fields the expected response at the same
 * place mentions (an unexpected response shows its target, action and time).
 */
function summarize(r: SecurityResponse, expected: ExpectedResponse | undefined): Record<string, unknown> {
  const mentioned = Object.keys(expected ?? { action: true, at: true });
  const full: Required<ExpectedResponse> & { detector: string } = {
    target: `${r.target.type}:${r.target.value}`,
    app: r.appId,
    action: r.action,
    durationSeconds: (Date.parse(r.expiresAt) - Date.parse(r.createdAt)) / 1000,
    count: r.evidence.count,
    redirectUrl: r.redirectUrl,
    reason: r.reason,
    simulated: r.simulated,
    at: (Date.parse(r.createdAt) - BASE_TIME) / 1000,
    detector: r.detector,
  };
  const out: Record<string, unknown> = { target: full.target, detector: full.detector };
  for (const key of mentioned) out[key] = full[key as keyof typeof full];
  return out;
}
