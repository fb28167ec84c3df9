/** The simulator's closing report: one line per expected response, then false positives and totals. */
import type { ExpectationResult, SimulationResult } from './simulation';

export interface RunSummary {
  url: string;
  seed: number;
  durationSeconds: number;
  rate: number;
  agents: number;
  timeoutSeconds: number;
  results: SimulationResult[];
  /** Every expected response detected in time, no benign actor answered, nothing fatal. */
  ok: boolean;
  /** Threshold event accepted → visible to the first agent, over every detected response. */
  delayMs: { median: number | null; max: number | null };
}

export function summarize(run: Omit<RunSummary, 'ok' | 'delayMs'>): RunSummary {
  const expectations = run.results.flatMap((r) => r.attacks.flatMap((a) => a.expectations));
  const delays = expectations.flatMap((e) => (e.status === 'detected' && e.delayMs !== null ? [e.delayMs] : [])).sort((a, b) => a - b);
  const ok = run.results.every((r) => r.fatal === null && r.falsePositives.length === 0) && expectations.every((e) => e.status === 'detected');
  return { ...run, ok, delayMs: { median: delays.length === 0 ? null : (delays[Math.floor((delays.length - 1) / 2)] as number), max: delays.at(-1) ?? null } };
}

const ms = (n: number | null): string => (n === null ? '—' : n < 10_000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

function resultText(e: ExpectationResult, timeoutSeconds: number): string {
  switch (e.status) {
    case 'detected':
      return e.beforeThreshold ? 'detected (before its threshold event)' : e.simulated ? 'detected (simulated)' : 'detected';
    case 'late':
      return `LATE (over ${timeoutSeconds} s)`;
    case 'missed':
      return `MISSED (nothing in ${timeoutSeconds} s)`;
    case 'threshold-not-reached':
      return `NOT SENT (${e.progress} of ${e.threshold} accepted)`;
  }
}

export function formatSummary(s: RunSummary): string {
  const several = s.results.length > 1;
  const rows: string[][] = [[...(several ? ['app'] : []), 'attack', 'expected response', 'detector', 'result', 'delay', 'all agents', 'since request']];
  for (const r of s.results) {
    for (const a of r.attacks) {
      a.expectations.forEach((e, i) => {
        rows.push([...(several ? [i === 0 ? r.app : ''] : []), i === 0 ? a.attack : '', `${e.action} ${e.target.type} ${e.target.value}`, e.detector, resultText(e, s.timeoutSeconds), ms(e.delayMs), ms(e.allAgentsDelayMs), ms(e.sinceRequestMs)]);
      });
    }
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  const table = rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');

  const lines = [
    `Attack simulation against ${s.url} — seed ${s.seed}, ${s.durationSeconds} s, ${s.agents} agents per application, ${s.rate} benign events/s per application`,
    '',
    table,
    '',
    'delay: threshold event accepted by the ingest API (202) → response received by the first agent (long-poll);',
    "all agents: … → received by every agent; since request: the threshold request's event time → first agent (includes the agent's batching).",
    '',
  ];
  const falsePositives = s.results.flatMap((r) => r.falsePositives);
  const benign = s.results.reduce((n, r) => ({ users: n.users + r.benign.users, addresses: n.addresses + r.benign.addresses, events: n.events + r.benign.events }), { users: 0, addresses: 0, events: 0 });
  if (falsePositives.length === 0) {
    lines.push(`Benign actors: ${benign.users} users on ${benign.addresses} addresses, ${benign.events} events — none was banned or redirected.`);
  } else {
    lines.push('!'.repeat(100));
    lines.push(`!!! ${falsePositives.length} BENIGN ACTOR${falsePositives.length > 1 ? 'S' : ''} BANNED OR REDIRECTED (false positives):`);
    for (const f of falsePositives) lines.push(`!!!   ${several ? `${f.app}: ` : ''}${f.actor}: ${f.action} by ${f.detector} ("${f.reason}")${f.simulated ? ' [simulated]' : ''}`);
    lines.push('!'.repeat(100));
  }
  const extra = s.results.flatMap((r) => r.extraResponses);
  if (extra.length > 0) lines.push(`Also answered on attackers: ${extra.map((x) => `${x.target.value} by ${x.detector}`).join(', ')}.`);
  const others = s.results.reduce((n, r) => n + r.otherResponses, 0);
  if (others > 0) lines.push(`${others} response(s) on targets this run did not play (other traffic of the application).`);
  const f = s.results.reduce((n, r) => ({ reported: n.reported + r.fleet.reported, accepted: n.accepted + r.fleet.accepted, batches: n.batches + r.fleet.batches, rejected: n.rejected + r.fleet.rejected, retries: n.retries + r.fleet.retries, lost: n.lost + r.fleet.lost }), { reported: 0, accepted: 0, batches: 0, rejected: 0, retries: 0, lost: 0 });
  lines.push(`Events: ${f.reported} reported, ${f.accepted} accepted in ${f.batches} batches (${f.rejected} rejected, ${f.retries} retries, ${f.lost} lost).`);
  for (const r of s.results) if (r.fatal !== null) lines.push(`FATAL${several ? ` (${r.app})` : ''}: ${r.fatal}`);
  const attacks = s.results.flatMap((r) => r.attacks);
  const detected = attacks.filter((a) => a.detected).length;
  lines.push(
    s.ok
      ? `Result: OK — ${detected} of ${attacks.length} attacks detected, every expected response in time (delay median ${ms(s.delayMs.median)}, max ${ms(s.delayMs.max)}), no false positive.`
      : `Result: FAILED — ${detected} of ${attacks.length} attacks detected${falsePositives.length > 0 ? `, ${falsePositives.length} false positive(s)` : ''}; see above.`,
  );
  return `${lines.join('\n')}\n`;
}
