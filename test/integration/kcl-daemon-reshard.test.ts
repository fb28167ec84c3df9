/**
 * A shard split while events flow, under the real KCL daemon: the parent's child process gets
 * `shardEnded` and checkpoints the end of the shard before either child shard is initialized, and
 * every record put — before, during and after the split — is delivered.
 */
import { ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { ensureStream } from '../../src/aws/stream';
import { eventEntries, putRecords, type PutResult } from '../helpers/local-kinesis';
import { conversations, delivered, deploy, describeWithJava, startWorker, useDaemonWorld } from '../helpers/real-daemon';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';

const MINUTES = 60_000;

describeWithJava('the real KCL daemon and a shard split', () => {
  const daemonWorld = useDaemonWorld();

  it('finishes the parent (checkpoint at SHARD_END) before its children start, and skips no event', async () => {
    const world = daemonWorld();
    const d = await deploy(world, 1);
    const events = streamTraffic({ apps: ['shop', 'bank', 'blog', 'forum'], startMs: Date.now() - 3 * 3600_000, spanSeconds: 3600, seed: 41 });
    const chunks = Array.from({ length: 6 }, (_, i) => events.slice(Math.floor((i * events.length) / 6), Math.floor(((i + 1) * events.length) / 6)));
    const worker = startWorker(d, 'worker-a');
    const puts: PutResult[] = [];

    // Events flow; the split comes once the worker is reading the parent.
    puts.push(...(await putRecords(world.kinesisClient, d.stream, eventEntries(chunks[0] ?? []))));
    await waitFor('the parent shard to be read', () => conversations(worker.tapDir).some((c) => delivered(c).length > 0), 4 * MINUTES, 250);
    puts.push(...(await putRecords(world.kinesisClient, d.stream, eventEntries(chunks[1] ?? []))));
    const { Shards = [] } = await world.kinesisClient.send(new ListShardsCommand({ StreamName: d.stream }));
    const parent = Shards[0];
    const middle = (BigInt(parent?.HashKeyRange?.EndingHashKey ?? '0') / 2n).toString();
    await world.kinesisClient.send(new SplitShardCommand({ StreamName: d.stream, ShardToSplit: parent?.ShardId, NewStartingHashKey: middle }));
    for (const chunk of chunks.slice(2)) {
      await ensureStream(world.kinesisClient, d.stream, 1); // waits while the split is in progress
      puts.push(...(await putRecords(world.kinesisClient, d.stream, eventEntries(chunk))));
    }
    const shardsWritten = new Set(puts.map((p) => p.shardId));
    expect(shardsWritten.size).toBe(3);

    await waitFor(
      'every record put to be delivered',
      () => {
        const seen = new Set(conversations(worker.tapDir).flatMap((c) => delivered(c).map((r) => `${r.shardId}/${r.sequenceNumber}`)));
        return puts.every((p) => seen.has(`${p.shardId}/${p.sequenceNumber}`));
      },
      5 * MINUTES,
      250,
    );

    const all = conversations(worker.tapDir);
    const parentTalk = all.find((c) => c.shardId === parent?.ShardId);
    const ended = parentTalk?.lines.findIndex((l) => l.from === 'daemon' && l.message.action === 'shardEnded') ?? -1;
    expect(ended).toBeGreaterThan(0);
    const [request, reply, status] = parentTalk?.lines.slice(ended + 1, ended + 4) ?? [];
    expect(request?.message).toEqual({ action: 'checkpoint', sequenceNumber: null });
    expect(reply?.message).toEqual({ action: 'checkpoint', sequenceNumber: null, subSequenceNumber: null, error: null });
    expect(status?.message).toEqual({ action: 'status', responseFor: 'shardEnded' });
    const children = all.filter((c) => c.shardId !== parent?.ShardId);
    expect(children).toHaveLength(2);
    for (const child of children) {
      const initializedAt = child.lines.find((l) => l.message.action === 'initialize')?.t ?? 0;
      expect(initializedAt).toBeGreaterThanOrEqual(reply?.t ?? Infinity);
      // A child shard starts at its beginning.
      expect(child.lines[0]?.message).toMatchObject({ action: 'initialize', sequenceNumber: 'TRIM_HORIZON' });
    }
    await waitFor('the parent\'s child process to exit once its shard ended', () => conversations(worker.tapDir).find((c) => c.shardId === parent?.ShardId)?.exit === 0, 30_000);
  }, 10 * MINUTES);
});
