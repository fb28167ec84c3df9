/**
 * The real KCL MultilangDaemon (KCL 2.7.2, the jars of aws-kcl's pom) running `riposte kcl` over
 * kinesis-local and dynalite: one worker on a two-shard stream gives the responses of `riposte
 * replay`, with poison records dead-lettered; what the daemon writes is byte for byte what the
 * protocol harness (test/helpers/kcl-daemon.ts) plays; SIGTERM reaches the children as
 * shutdownRequested, and a restart resumes from their checkpoints.
 *
 * The steps share one deployment (a stream, a lease table, a responses table), in order: a first
 * start on an empty lease table costs the KCL a random 1–30 s wait, by design (Scheduler.java,
 * shouldInitiateLeaseSync), so each fresh deployment is expensive.
 */
import { readFileSync } from 'node:fs';
import type { TestEvent } from '../../src/testing/factories';
import { checkpointReply, initialize, leaseLost, processRecords, shardEnded, shutdownRequested, type DaemonRecord } from '../helpers/kcl-daemon';
import { eventEntries, putRecords, type PutResult } from '../helpers/local-kinesis';
import {
  conversations,
  delivered,
  deploy,
  describeWithJava,
  leases,
  startWorker,
  useDaemonWorld,
  writtenIds,
  type Conversation,
  type DaemonWorld,
  type Deployment,
  type Worker,
} from '../helpers/real-daemon';
import { replayIds } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';

const APPS = ['shop', 'bank', 'blog'];
const MINUTES = 60_000;

function recentScenario(seed: number, fromHoursAgo: number): TestEvent[] {
  return streamTraffic({ apps: APPS, startMs: Date.now() - fromHoursAgo * 3600_000, spanSeconds: 3600, seed });
}

/** Every put record (shard, sequence number) was delivered to some child. */
function allDelivered(d: { tapDir: string }, workerDirs: readonly string[], puts: readonly PutResult[]): boolean {
  const seen = new Set(workerDirs.flatMap((dir) => conversations(dir).flatMap((c) => delivered(c).map((r) => `${r.shardId}/${r.sequenceNumber}`))));
  return puts.every((p) => seen.has(`${p.shardId}/${p.sequenceNumber}`));
}

/**
 * Each line the daemon wrote, compared with the line the harness builds from the same values: the
 * differences, described (none expected).
 */
function harnessDifferences(all: readonly Conversation[]): string[] {
  const differences: string[] = [];
  let lastRequest: Record<string, unknown> | undefined;
  for (const c of all) {
    for (const { from, line, message: m } of c.lines) {
      if (from === 'child') {
        if (m.action === 'checkpoint') lastRequest = m;
        continue;
      }
      let rebuilt: string;
      switch (m.action) {
        case 'initialize':
          rebuilt = initialize(m.shardId as string, m.sequenceNumber as string, m.subSequenceNumber as number);
          break;
        case 'processRecords': {
          const records = (m.records as Record<string, unknown>[]).map(
            (r): DaemonRecord => ({
              data: Buffer.from(r.data as string, 'base64'),
              partitionKey: r.partitionKey as string,
              sequenceNumber: r.sequenceNumber as string,
              subSequenceNumber: r.subSequenceNumber as number,
              arrivalMs: r.approximateArrivalTimestamp as number,
            }),
          );
          rebuilt = processRecords(records, m.millisBehindLatest as number | null);
          break;
        }
        case 'leaseLost':
          rebuilt = leaseLost();
          break;
        case 'shardEnded':
          rebuilt = shardEnded();
          break;
        case 'shutdownRequested':
          rebuilt = shutdownRequested();
          break;
        case 'checkpoint':
          if (lastRequest === undefined) {
            differences.push(`a checkpoint reply without a request: ${line}`);
            continue;
          }
          rebuilt = checkpointReply({ action: 'checkpoint', sequenceNumber: lastRequest.sequenceNumber as string | null, subSequenceNumber: lastRequest.subSequenceNumber as number | undefined }, m.error as string | null);
          lastRequest = undefined;
          break;
        default:
          rebuilt = `(the harness has no message "${String(m.action)}")`;
      }
      if (rebuilt !== line) differences.push(`daemon: ${line.slice(0, 300)}\nharness: ${rebuilt.slice(0, 300)}`);
    }
  }
  return differences;
}

/** What a child logs when the daemon says something it did not expect (src/drivers/kcl/). */
const PROTOCOL_COMPLAINTS = [
  'not a protocol message',
  'unknown action from the daemon',
  'message from the daemon is not as expected',
  'checkpoint reply from the daemon without a request',
  'checkpoint reply names another sequence number',
  'action before initialize',
  'malformed record from the daemon',
  'the daemon refused the checkpoint position',
  'checkpoint failed with an unknown error',
];

describeWithJava('the real KCL MultilangDaemon, one worker', () => {
  const daemonWorld = useDaemonWorld();
  let world: DaemonWorld;
  let d: Deployment;
  let worker: Worker;
  const first = recentScenario(21, 3);
  let firstPuts: PutResult[];
  const poison = [
    { Data: Buffer.from('GET /login HTTP/1.1'), PartitionKey: 'shop' },
    { Data: Buffer.from(JSON.stringify({ v: 1, appId: 'bank', type: 'login_failure', actor: { ip: 'not-an-ip' } })), PartitionKey: 'bank' },
    { Data: Buffer.alloc(1_000_000, 0x7b), PartitionKey: 'blog' },
    { Data: Buffer.from([0xc3, 0x28, 0x7b, 0x7d]), PartitionKey: 'shop' },
  ];

  beforeAll(async () => {
    world = daemonWorld();
    d = await deploy(world, 2);
  });

  it('events put on a two-shard stream give the responses of riposte replay; poison records are dead-lettered and the shards go on', async () => {
    const entries = eventEntries(first);
    firstPuts = await putRecords(world.kinesisClient, d.stream, [...entries.slice(0, 200), ...poison, ...entries.slice(200)]);
    expect(new Set(firstPuts.map((p) => p.shardId)).size).toBe(2);
    worker = startWorker(d, 'worker-a');
    const expected = await replayIds(first);
    expect(expected.length).toBeGreaterThan(10);

    await waitFor('every record delivered and every response written', async () => allDelivered(d, [worker.tapDir], firstPuts) && (await writtenIds(d, APPS)).length >= expected.length, 4 * MINUTES, 250);
    expect(await writtenIds(d, APPS)).toEqual(expected);

    const letters = readFileSync(d.deadLetters, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { shardId: string; sequenceNumber: string; reason: string; size: number });
    const poisonPuts = firstPuts.slice(200, 204);
    expect(letters.map((l) => `${l.shardId}/${l.sequenceNumber}`).sort()).toEqual(poisonPuts.map((p) => `${p.shardId}/${p.sequenceNumber}`).sort());
    expect(letters.find((l) => l.size === 1_000_000)?.reason).toContain('not JSON');
    expect(letters.map((l) => l.reason)).toContainEqual(expect.stringContaining('actor.ip'));
    expect(letters.map((l) => l.reason)).toContain('record is not valid UTF-8');
  }, 6 * MINUTES);

  it('writes exactly the lines the protocol harness plays, and the child answers each action with one status', () => {
    const all = conversations(worker.tapDir);
    expect(all.map((c) => c.shardId).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect(harnessDifferences(all)).toEqual([]);
    // The daemon copies each child's standard error into its log.
    expect(worker.log().split('\n').filter((line) => PROTOCOL_COMPLAINTS.some((c) => line.includes(c)))).toEqual([]);
    expect(worker.log()).toContain('"msg":"shard initialized"'); // the children's logs are there
    for (const c of all) {
      const actions = c.lines.filter((l) => l.from === 'daemon' && l.message.action !== 'checkpoint').map((l) => l.message.action);
      const statuses = c.lines.filter((l) => l.from === 'child' && l.message.action === 'status').map((l) => l.message.responseFor);
      expect(statuses).toEqual(actions.slice(0, statuses.length));
      expect(actions.length - statuses.length).toBeLessThanOrEqual(1); // at most the action in flight
    }
  });

  it('SIGTERM: shutdownRequested reaches each child, which checkpoints what is durable, and the daemon exits; a restart resumes there without doubles', async () => {
    worker.signal('SIGTERM');
    const code = await worker.exited;
    const all = conversations(worker.tapDir);
    for (const c of all) {
      const actions = c.lines.filter((l) => l.from === 'daemon').map((l) => l.message.action);
      expect(actions).toContain('shutdownRequested');
      const afterShutdown = c.lines.slice(c.lines.findIndex((l) => l.message.action === 'shutdownRequested'));
      const request = afterShutdown.find((l) => l.from === 'child' && l.message.action === 'checkpoint');
      const reply = afterShutdown.find((l) => l.from === 'daemon' && l.message.action === 'checkpoint');
      // Either it checkpointed now, or its last checkpoint was already the safe position.
      if (request !== undefined) expect(reply?.message.error).toBeNull();
      expect(c.exit).toBe(0);
    }
    // The JVM ends a SIGTERM with 128 + 15 once its shutdown hooks (the graceful shutdown) are done.
    expect(code).toBe(143);

    // The lease table holds the positions the children checkpointed last.
    const after = await leases(world.dynamo.client(), d.application);
    const lastAcknowledged = (c: Conversation) => {
      const requests = c.lines.filter((l) => l.from === 'child' && l.message.action === 'checkpoint');
      return requests.at(-1)?.message.sequenceNumber;
    };
    for (const c of all) expect(after.find((l) => l.leaseKey === c.shardId)?.checkpoint).toBe(lastAcknowledged(c));

    const second = recentScenario(22, 1.5);
    const secondPuts = await putRecords(world.kinesisClient, d.stream, eventEntries(second));
    const restarted = startWorker(d, 'worker-a-again');
    const expected = await replayIds([...first, ...second]);
    await waitFor('the restarted worker to deliver every new record and write every response', async () => allDelivered(d, [restarted.tapDir], secondPuts) && (await writtenIds(d, APPS)).length >= expected.length, 4 * MINUTES, 250);
    expect(await writtenIds(d, APPS)).toEqual(expected);

    for (const c of conversations(restarted.tapDir)) {
      const init = c.lines.find((l) => l.message.action === 'initialize')?.message;
      const lease = after.find((l) => l.leaseKey === c.shardId);
      expect(init?.sequenceNumber).toBe(lease?.checkpoint);
      // Nothing at or before the checkpoint is delivered again.
      const checkpoint = BigInt(lease?.checkpoint as string);
      expect(delivered(c).filter((r) => BigInt(r.sequenceNumber) < checkpoint)).toEqual([]);
    }
  }, 8 * MINUTES);
});
