import { StaticAppConfigSource } from './app-settings';
import { ShardProcessor } from './processor';
import { PlaybookConfigSource } from '../playbooks/config-source';
import { custom, toRecords } from '../testing/factories';

// The playbook's `match` is shared by both steps; the sequence tests it once per event, so an event
// must meet it as well as its own step's condition.
const playbook = `name: staged
description: A sequence whose steps share a condition.
match: { type: custom, user.login: { regex: "^a" } }
groupBy: actor.ip
window: 10m
sequence:
  - match: { event: first }
  - match: { event: second }
response: { action: ban, target: actor.ip, duration: 1h }
`;

function processor(): ShardProcessor {
  const entry = { name: 'staged', yaml: playbook, origin: 'staged.yaml' };
  const config = new PlaybookConfigSource(new StaticAppConfigSource([]), { playbooksFor: () => [entry] });
  return new ShardProcessor({ shardId: 'shard-0', config });
}

describe('a sequence whose steps share conditions', () => {
  it('counts a step only when the shared conditions hold too', async () => {
    const p = processor();
    const ip = '192.0.2.1';
    const miss = await p.processBatch(toRecords([custom({ ip, event: 'first', login: 'alice', at: 0 }), custom({ ip, event: 'second', login: 'bob', at: 1 })]));
    expect(miss.responses).toEqual([]);
    const hit = await p.processBatch(toRecords([custom({ ip, event: 'second', login: 'anna', at: 2 })]));
    expect(hit.responses.map((r) => r.target.value)).toEqual([ip]);
  });

  it('does not count an event that meets the shared conditions but no step', async () => {
    const p = processor();
    const ip = '192.0.2.2';
    const { responses } = await p.processBatch(toRecords([custom({ ip, event: 'other', login: 'alice', at: 0 }), custom({ ip, event: 'second', login: 'alice', at: 1 })]));
    expect(responses).toEqual([]);
  });
});
