/**
 * A reshard while events flow, on kinesalite: a shard is split in two while the producer keeps
 * putting events. The local driver must read every event once, and a child shard only after its
 * parent was read to its end (so that an application's events stay in order across the split).
 */
import { ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { useLocalAws } from '../helpers/local-aws';
import { eventEntries, putRecords, type PutResult } from '../helpers/local-kinesis';
import { checkpointTable, testDriver } from '../helpers/local-driver';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitFor } from '../helpers/wait';
import { ensureStream } from '../../src/aws/stream';

const aws = useLocalAws();

it('a shard split while events flow: every event read once, the parent to its end before its children', async () => {
  const client = aws.kinesis.client();
  const [stream, table] = await Promise.all([aws.kinesis.stream(2), checkpointTable(aws.dynamo.client())]);
  const apps = Array.from({ length: 16 }, (_, i) => `app-${i}`);
  const events = streamTraffic({ apps, startMs: Date.now() - 3 * 3600_000, spanSeconds: 1500, seed: 21 });
  // Small reads and frequent shard listings: the children appear while their parent still has
  // records to read, so a driver that did not wait for the parent would start them early.
  const t = testDriver({ kinesis: client, dynamo: aws.dynamo.client(), stream, table, options: { maxRecords: 100, shardSyncIntervalMs: 100 } });

  const entries = eventEntries(events);
  const chunks = Math.ceil(entries.length / 200);
  const puts: PutResult[] = [];
  for (let c = 0; c < chunks; c++) {
    if (c === 2) await t.driver.start();
    if (c === Math.floor(chunks / 3)) {
      const { Shards } = await client.send(new ListShardsCommand({ StreamName: stream }));
      const parent = Shards?.find((s) => s.ShardId === 'shardId-000000000000');
      const low = BigInt(parent?.HashKeyRange?.StartingHashKey ?? '0');
      const high = BigInt(parent?.HashKeyRange?.EndingHashKey ?? '0');
      await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: ((low + high) / 2n).toString() }));
      await ensureStream(client, stream, 2); // waits until it is active again
    }
    puts.push(...(await putRecords(client, stream, entries.slice(c * 200, (c + 1) * 200))));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const children = ['shardId-000000000002', 'shardId-000000000003'];
  const putPerShard = countBy(puts.map((p) => p.shardId));
  expect([...putPerShard.keys()].sort()).toEqual(['shardId-000000000000', 'shardId-000000000001', ...children]);
  await waitFor('every record to be read', () => t.processed() >= events.length);
  await t.driver.stop();

  const readPerShard = new Map<string, number>();
  for (const entry of t.timeline) if (entry.kind === 'batch') readPerShard.set(entry.info.shardId, (readPerShard.get(entry.info.shardId) ?? 0) + entry.info.records);
  expect(readPerShard).toEqual(putPerShard);

  const parentEnd = t.timeline.findIndex((e) => e.kind === 'finished' && e.shardId === 'shardId-000000000000' && e.end === 'shard-ended');
  expect(parentEnd).toBeGreaterThanOrEqual(0);
  const firstChildBatch = t.timeline.findIndex((e) => e.kind === 'batch' && children.includes(e.info.shardId));
  expect(firstChildBatch).toBeGreaterThan(parentEnd);
  expect((await t.checkpoints.all()).get('shardId-000000000000')).toEqual({ kind: 'shard-end' });
});

function countBy(xs: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return counts;
}
