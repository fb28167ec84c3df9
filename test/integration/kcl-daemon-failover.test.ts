/**
 * Two real KCL workers on a four-shard stream share the leases; one of them is SIGKILLed with the
 * `riposte kcl` children it started (a machine lost). The other takes its leases once they expire
 * (failoverTimeMillis) and replays its shards from their checkpoints: the responses equal those of
 * an uninterrupted run, none lost, none doubled. The time from the kill to the first record the
 * survivor processes on a taken shard is printed.
 */
import type { TestEvent } from '../../src/testing/factories';
import { eventEntries, putRecords, type PutResult } from '../helpers/local-kinesis';
import {
  conversations,
  delivered,
  deploy,
  describeWithJava,
  leases,
  startWorker,
  TEST_PROPERTIES,
  useDaemonWorld,
  writtenIds,
  type Worker,
} from '../helpers/real-daemon';
import { replayIds } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';

const APPS = ['shop', 'bank', 'blog', 'forum', 'wiki', 'mail', 'news', 'chat'];
const MINUTES = 60_000;

function recentScenario(seed: number, fromHoursAgo: number): TestEvent[] {
  return streamTraffic({ apps: APPS, startMs: Date.now() - fromHoursAgo * 3600_000, spanSeconds: 3600, seed, backgroundPerMinute: 3 });
}

function deliveredKeys(workers: readonly Worker[]): Set<string> {
  return new Set(workers.flatMap((w) => conversations(w.tapDir).flatMap((c) => delivered(c).map((r) => `${r.shardId}/${r.sequenceNumber}`))));
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWithJava('two real KCL workers', () => {
  const daemonWorld = useDaemonWorld();

  it('share the leases of four shards; when one is SIGKILLed with its children the other takes its leases after the failover time, and the responses equal an uninterrupted run', async () => {
    const world = daemonWorld();
    const d = await deploy(world, 4);
    const first = recentScenario(31, 3);
    const second = recentScenario(32, 1.5);
    const firstPuts: PutResult[] = await putRecords(world.kinesisClient, d.stream, eventEntries(first));
    expect(new Set(firstPuts.map((p) => p.shardId)).size).toBe(4);
    const [a, b] = [startWorker(d, 'worker-a'), startWorker(d, 'worker-b')];

    // A lease shows its new owner before that owner's child for it has started: wait for both.
    const running = (w: Worker, shardId: string) =>
      conversations(w.tapDir).some((c) => c.shardId === shardId && c.exit === undefined && c.lines.some((l) => l.from === 'child' && l.message.responseFor === 'initialize'));
    await waitFor(
      'both workers to hold two leases each, a child running for each, and every record to be delivered',
      async () => {
        const all = await leases(world.dynamo.client(), d.application);
        const shared = all.filter((l) => l.leaseOwner === 'worker-a').length === 2 && all.filter((l) => l.leaseOwner === 'worker-b').length === 2;
        const started = all.every((l) => running(l.leaseOwner === 'worker-a' ? a : b, l.leaseKey));
        const seen = deliveredKeys([a, b]);
        return shared && started && firstPuts.every((p) => seen.has(`${p.shardId}/${p.sequenceNumber}`));
      },
      4 * MINUTES,
      250,
    );
    const ofA = (await leases(world.dynamo.client(), d.application)).filter((l) => l.leaseOwner === 'worker-a').map((l) => l.leaseKey);
    const childrenOfA = conversations(a.tapDir)
      .filter((c) => c.exit === undefined)
      .flatMap((c) => [c.childPid, Number(c.tapPid)])
      .filter((pid): pid is number => pid !== undefined);
    expect(childrenOfA.length).toBeGreaterThanOrEqual(4); // two shards: the tap and riposte kcl for each

    const killedAt = Date.now();
    a.killAll();
    expect(await a.exited).toBe('SIGKILL');
    await waitFor('the killed worker\'s children to be gone', () => childrenOfA.every((pid) => !isAlive(pid)), 10_000);
    const secondPuts = await putRecords(world.kinesisClient, d.stream, eventEntries(second));
    const expected = await replayIds([...first, ...second]);

    await waitFor(
      'the survivor to own every lease, deliver every record and write every response',
      async () => {
        const all = await leases(world.dynamo.client(), d.application);
        const seen = deliveredKeys([a, b]);
        return all.every((l) => l.leaseOwner === 'worker-b') && secondPuts.every((p) => seen.has(`${p.shardId}/${p.sequenceNumber}`)) && (await writtenIds(d, APPS)).length >= expected.length;
      },
      4 * MINUTES,
      250,
    );
    expect(await writtenIds(d, APPS)).toEqual(expected);

    // From the kill to the first record the survivor processed on each shard it took over.
    const takenOver = conversations(b.tapDir).filter((c) => c.shardId !== undefined && ofA.includes(c.shardId) && c.startedAt > killedAt);
    expect(takenOver.map((c) => c.shardId).sort()).toEqual([...ofA].sort());
    const firstRecordMs = takenOver.map((c) => (delivered(c)[0]?.t ?? Infinity) - killedAt);
    const initializedMs = takenOver.map((c) => (c.lines.find((l) => l.message.action === 'initialize')?.t ?? Infinity) - killedAt);
    process.stderr.write(
      `kcl-daemon failover (failoverTimeMillis ${TEST_PROPERTIES.failoverTimeMillis}): kill → survivor's child initialized ${initializedMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}; ` +
        `kill → first record processed ${firstRecordMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}\n`,
    );
    for (const ms of firstRecordMs) {
      expect(ms).toBeGreaterThanOrEqual(Number(TEST_PROPERTIES.failoverTimeMillis)); // a lease is never taken before it expires
      expect(ms).toBeLessThan(2 * MINUTES);
    }
  }, 10 * MINUTES);
});
