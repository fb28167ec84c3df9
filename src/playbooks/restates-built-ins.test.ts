/**
 * A playbook that restates a built-in detector compiles to the very same plan and, on the same
 * events, gives the same responses: same targets, actions, times, durations, reasons and evidence.
 * Only the detector's name (and the response id derived from it) differ.
 */
import accountTakeover from '../../detectors/account-takeover';
import attackFlood from '../../detectors/attack-flood';
import credentialStuffing from '../../detectors/credential-stuffing';
import loginBruteForce from '../../detectors/login-brute-force';
import type { AppConfigSource } from '../core/app-config';
import { StaticAppConfigSource } from '../engine/app-settings';
import type { DetectorDefinition } from '../core/detector';
import type { SecurityResponse } from '../core/response';
import { ShardProcessor } from '../engine/processor';
import { PlaybookConfigSource } from './config-source';
import { parsePlaybook } from './parse';
import { MemoryResponseStore } from '../sinks/memory-store';
import { attack, loginFailure, loginSuccess, toRecords, type TestEvent } from '../testing/factories';

const restated: [DetectorDefinition, string][] = [
  [
    loginBruteForce as DetectorDefinition,
    `name: restated
description: The built-in login-brute-force, as a playbook.
match: { type: login_failure }
groupBy: actor.ip
window: 1m
threshold: 10
reason: "{count} login failures in {windowSeconds} s"
response: { action: ban, target: actor.ip, duration: 15m }
`,
  ],
  [
    credentialStuffing as DetectorDefinition,
    `name: restated
description: The built-in credential-stuffing, as a playbook.
match: { type: login_failure }
groupBy: actor.ip
window: 10m
threshold: { count: 20, distinct: user.login }
reason: "login failures for {count} different users in {windowSeconds} s"
response: { action: ban, target: actor.ip, duration: 1h }
`,
  ],
  [
    accountTakeover as DetectorDefinition,
    `name: restated
description: The built-in account-takeover, as a playbook.
match: { type: login_failure }
groupBy: user.login
window: 10m
threshold: { count: 10, distinct: actor.ip }
reason: "login failures from {count} different IP addresses in {windowSeconds} s"
response: { action: redirect, target: user.login, duration: 30m, url: /security-check }
`,
  ],
  [
    attackFlood as DetectorDefinition,
    `name: restated
description: The built-in attack-flood, as a playbook.
match: { type: attack }
groupBy: actor.ip
window: 60
threshold: { count: 20 }
reason: "{count} attacks in {windowSeconds} s"
response: { action: ban, target: { field: actor.ip, as: ip }, duration: 3600 }
`,
  ],
];

/** A deterministic stream with every kind of activity these detectors look at, out of order and duplicated. */
function traffic(): TestEvent[] {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const ips = Array.from({ length: 40 }, (_, i) => `198.51.100.${i + 1}`);
  const users = Array.from({ length: 60 }, (_, i) => `user${i}@example.com`);
  const events: TestEvent[] = [];
  let at = 0;
  for (let i = 0; i < 12_000; i++) {
    at += random() * 0.6;
    const app = pick(['shop', 'blog']);
    const ip = random() < 0.3 ? pick(ips.slice(0, 4)) : pick(ips); // a few loud addresses
    const login = random() < 0.3 ? pick(users.slice(0, 3)) : pick(users); // and a few targeted accounts
    const kind = random();
    const id = `agent-${i % 3}:${i}`;
    if (kind < 0.6) events.push(loginFailure({ ip, login, at, app, id }));
    else if (kind < 0.7) events.push(loginSuccess({ ip, login, at, app, id }));
    else events.push(attack({ ip, category: pick(['sqli', 'xss', 'lfi']), at, app, id }));
    if (random() < 0.02) events.push(events[events.length - 1] as TestEvent); // a duplicate delivery
    if (i % 1500 === 0) {
      // An attack flood: one address, a couple of dozen attacks in half a minute.
      const flooder = pick(ips);
      for (let k = 0; k < 25; k++) events.push(attack({ ip: flooder, category: 'sqli', at: at + k, app, id: `flood-${i}-${k}` }));
    }
  }
  // Agents report a little late: swap neighbours within a few seconds.
  for (let i = 1; i < events.length; i++) if (random() < 0.2) [events[i - 1], events[i]] = [events[i] as TestEvent, events[i - 1] as TestEvent];
  return events;
}

async function responsesOf(config: AppConfigSource, events: readonly TestEvent[]): Promise<SecurityResponse[]> {
  const history = new MemoryResponseStore();
  const processor = new ShardProcessor({ shardId: 'shardId-000000000000', config, history });
  const records = toRecords(events);
  const responses: SecurityResponse[] = [];
  for (let i = 0; i < records.length; i += 700) {
    const outcome = await processor.processBatch(records.slice(i, i + 700));
    await history.write(outcome.responses);
    responses.push(...outcome.responses);
  }
  return responses;
}

const withoutName = (r: SecurityResponse) => ({ ...r, id: undefined, detector: undefined });

describe('a playbook restating a built-in detector', () => {
  const events = traffic();

  it.each(restated.map(([d, yaml]) => [d.name, d, yaml] as const))('%s: compiles to the same plan', (_name, detector, yaml) => {
    const parsed = parsePlaybook(yaml, 'restated.yaml');
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
    expect(parsed.playbook.plan).toEqual(detector.plan(detector.params.parse({})));
  });

  it.each(restated.map(([d, yaml]) => [d.name, d, yaml] as const))('%s: gives identical responses on the same events', async (_name, detector, yaml) => {
    const builtIn = await responsesOf(new StaticAppConfigSource([detector]), events);
    const playbook = await responsesOf(
      new PlaybookConfigSource(new StaticAppConfigSource([]), { playbooksFor: () => [{ name: 'restated', yaml, origin: 'restated.yaml' }] }),
      events,
    );
    expect(builtIn.length).toBeGreaterThan(3);
    expect(playbook.every((r) => r.detector === 'restated')).toBe(true);
    expect(playbook.map(withoutName)).toEqual(builtIn.map(withoutName));
  });
});
