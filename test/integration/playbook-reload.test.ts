/**
 * A running processor picks up edited playbooks from a directory without a restart; a broken edit
 * is refused and the previous version keeps deciding.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StaticAppConfigSource } from '../../src/engine/app-settings';
import { ShardProcessor } from '../../src/engine/processor';
import { startPlaybooks, type LivePlaybooks } from '../../src/playbooks/load';
import { custom, times, toRecords } from '../../src/testing/factories';
import { waitFor } from '../helpers/wait';

const playbook = (count: number, window = '10m') =>
  `name: coupons\ndescription: Bans an IP that tries many coupon codes.\nmatch: { type: custom, event: coupon_rejected }\ngroupBy: actor.ip\nwindow: ${window}\nthreshold: ${count}\nresponse: { action: ban, target: actor.ip, duration: 1h }\n`;

let dir: string;
let live: LivePlaybooks | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'riposte-reload-'));
});
afterEach(() => {
  live?.close();
  rmSync(dir, { recursive: true, force: true });
});

const attempts = (ip: string, n: number, from: number) => toRecords(times(n, (i) => custom({ ip, event: 'coupon_rejected', at: from + i })));


describe('playbooks in a watched directory', () => {
  it('change what a running processor decides, and a broken edit changes nothing', async () => {
    writeFileSync(join(dir, 'coupons.yaml'), playbook(5));
    live = await startPlaybooks(new StaticAppConfigSource([]), { dir, pollMs: 20 });
    const processor = new ShardProcessor({ shardId: 'shard-0', config: live.source });

    expect((await processor.processBatch(attempts('192.0.2.1', 4, 0))).responses).toHaveLength(0);
    expect((await processor.processBatch(attempts('192.0.2.2', 5, 10))).responses).toHaveLength(1);

    writeFileSync(join(dir, 'coupons.yaml'), playbook(3, 'ten minutes'));
    await waitFor('the broken edit to be refused', () => live?.source.stats.refused === 1, 2000, 10);
    expect((await processor.processBatch(attempts('192.0.2.3', 3, 20))).responses).toHaveLength(0); // still 5

    writeFileSync(join(dir, 'coupons.yaml'), playbook(3));
    await waitFor('the fixed edit to be loaded', () => live?.source.stats.loaded === 2, 2000, 10);
    expect((await processor.processBatch(attempts('192.0.2.4', 3, 30))).responses.map((r) => r.target.value)).toEqual(['192.0.2.4']);
    expect(live.source.problemsFor('app-1')).toEqual([]);
  });
});
