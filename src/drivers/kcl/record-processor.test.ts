/**
 * The `riposte kcl` record processor, in-process, against the daemon's side of the protocol played
 * line by line (test/helpers/kcl-daemon.ts has the message shapes and where they come from in the
 * KCL's source). test/integration/kcl-child-process.test.ts runs the same child as a process.
 */
import { PassThrough } from 'node:stream';
import { builtInDetectors } from '../../../detectors';
import { StaticAppConfigSource } from '../../engine/app-settings';
import type { DeadLetter, ResponseSink } from '../../core/ports';
import type { SecurityResponse } from '../../core/response';
import type { DriverDependencies } from '../dependencies';
import { KclProtocol } from './protocol';
import { KclRecordProcessor } from './record-processor';
import { MemoryResponseStore } from '../../sinks/memory-store';
import { BASE_TIME } from '../../testing/factories';
import {
  atOrBefore,
  batches,
  daemonRecords,
  DaemonSide,
  initialize,
  leaseLost,
  processRecords,
  shardEnded,
  shutdownRequested,
  type CheckpointAnswer,
  type CheckpointRequest,
} from '../../../test/helpers/kcl-daemon';
import { RecordingLogger } from '../../../test/helpers/recording-logger';
import { ids, referenceResponses } from '../../../test/helpers/reference';
import { streamTraffic } from '../../../test/helpers/stream-traffic';

const SHARD = 'shardId-000000000003';
const events = streamTraffic({ apps: ['shop', 'bank'], startMs: BASE_TIME - 3 * 3600_000, spanSeconds: 2 * 3600 });
const records = daemonRecords(events, { aggregate: 4 });
const batchesOf100 = batches(records, 100);

interface Child {
  daemon: DaemonSide;
  store: MemoryResponseStore;
  letters: DeadLetter[];
  logger: RecordingLogger;
  processor: KclRecordProcessor;
  done: Promise<void>;
}

function startChild(sink?: ResponseSink): Child {
  const toChild = new PassThrough();
  const fromChild = new PassThrough();
  const store = new MemoryResponseStore();
  const letters: DeadLetter[] = [];
  const logger = new RecordingLogger();
  const deps: DriverDependencies = {
    sink: sink ?? store,
    history: store,
    deadLetters: { write: async (l) => void letters.push(...l) },
    config: new StaticAppConfigSource(builtInDetectors),
    logger,
  };
  const protocol = new KclProtocol(toChild, fromChild, logger);
  const processor = new KclRecordProcessor(deps, { signal: protocol.signal, backoff: { initialMs: 1, maxMs: 4 } });
  const done = protocol.run(processor);
  return { daemon: new DaemonSide(toChild, fromChild), store, letters, logger, processor, done };
}

/** Plays initialize and every batch; returns the checkpoint requests, per batch. */
async function playShard(child: Child, answer?: CheckpointAnswer): Promise<CheckpointRequest[][]> {
  await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
  const requests: CheckpointRequest[][] = [];
  for (const batch of batchesOf100) requests.push(await child.daemon.perform(processRecords(batch, 0), answer));
  return requests;
}

async function finish(child: Child): Promise<void> {
  child.daemon.end();
  await child.done;
  expect(child.daemon.unread).toEqual([]);
  expect(child.daemon.strayLines).toEqual([]);
}

describe('the lifecycle', () => {
  it('answers every action with exactly one status, in order, and writes what an uninterrupted run decides', async () => {
    const child = startChild();
    const requests = await playShard(child);
    expect(await child.daemon.perform(shutdownRequested())).toEqual([]);
    expect(await child.daemon.perform(leaseLost())).toEqual([]);
    await finish(child);

    expect(ids(child.store.all())).toEqual(ids(await referenceResponses(events)));
    expect(requests.flat().length).toBeGreaterThan(3);
  });

  it('checkpoints with sub-sequence numbers, moving forward, trailing the records delivered', async () => {
    const child = startChild();
    const requests = await playShard(child);
    await finish(child);

    const flat = requests.flat();
    expect(flat.some((r) => (r.subSequenceNumber ?? 0) > 0)).toBe(true);
    for (let i = 1; i < flat.length; i++) expect(atOrBefore(flat[i - 1] as CheckpointRequest, flat[i] as CheckpointRequest)).toBe(true);
    requests.forEach((batchRequests, b) => {
      const lastDelivered = batchesOf100[b]?.at(-1);
      for (const r of batchRequests) expect(atOrBefore(r, lastDelivered as { sequenceNumber: string })).toBe(true);
    });
  });

  it('shardEnded checkpoints with a null sequence number, trying again while throttled', async () => {
    const child = startChild();
    await playShard(child);
    let throttles = 2;
    const requests = await child.daemon.perform(shardEnded(), () => (throttles-- > 0 ? 'ThrottlingException' : null));
    await finish(child);
    expect(requests).toEqual([{ action: 'checkpoint', sequenceNumber: null }, { action: 'checkpoint', sequenceNumber: null }, { action: 'checkpoint', sequenceNumber: null }]);
  });

  it.each(['ShutdownException', 'InvalidStateException', 'IllegalArgumentException'])('shardEnded does not ask again after %s: no retry mends it', async (refusal) => {
    const child = startChild();
    await playShard(child);
    const requests = await child.daemon.perform(shardEnded(), () => refusal);
    await finish(child);
    expect(requests).toEqual([{ action: 'checkpoint', sequenceNumber: null }]);
  });

  it('leaseLost never checkpoints and drops the shard state', async () => {
    const child = startChild();
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    await child.daemon.perform(processRecords(batchesOf100[0] ?? []));
    expect(child.processor.shard?.processor.trackedWindows).toBeGreaterThan(0);
    expect(await child.daemon.perform(leaseLost())).toEqual([]);
    expect(child.processor.shard?.processor.trackedWindows).toBe(0);
    await finish(child);
  });

  it('shutdownRequested checkpoints the safe position the daemon has not acknowledged yet', async () => {
    const child = startChild();
    const requests = await playShard(child, () => 'ThrottlingException');
    const last = requests.flat().at(-1) as CheckpointRequest;
    expect(await child.daemon.perform(shutdownRequested())).toEqual([last]);
    await finish(child);
  });
});

describe('the KCL 1.x shutdown action', () => {
  it.each([
    { reason: 'TERMINATE', as: 'shardEnded', checkpoints: [{ action: 'checkpoint', sequenceNumber: null }] },
    { reason: 'ZOMBIE', as: 'leaseLost', checkpoints: [] },
  ])('shutdown with reason $reason is handled as $as', async ({ reason, checkpoints }) => {
    const child = startChild();
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    await child.daemon.perform(processRecords(batchesOf100[0] ?? []));
    expect(await child.daemon.perform(JSON.stringify({ action: 'shutdown', reason }))).toEqual(checkpoints);
    await finish(child);
  });
});

describe('a handler that throws', () => {
  it('is a bug, not bad input: run rejects and the action gets no status, so the child exits and the shard is replayed', async () => {
    const toChild = new PassThrough();
    const fromChild = new PassThrough();
    const protocol = new KclProtocol(toChild, fromChild, new RecordingLogger());
    const broken = new Error('engine bug');
    const done = protocol.run({
      initialize: async () => undefined,
      processRecords: async () => Promise.reject(broken),
      leaseLost: async () => undefined,
      shardEnded: async () => undefined,
      shutdownRequested: async () => undefined,
    });
    const daemon = new DaemonSide(toChild, fromChild);
    await daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    daemon.send(processRecords(batchesOf100[0] ?? []));
    await expect(done).rejects.toBe(broken);
    expect(daemon.unread).toEqual([]);
  });
});

describe('checkpoint answers', () => {
  const cases: Array<{ name: string; error: string; checkpointsAfter: 'continue' | 'none' | 'not-the-same-again' }> = [
    { name: 'ThrottlingException: tried again after the next batch', error: 'ThrottlingException', checkpointsAfter: 'continue' },
    { name: 'KinesisClientLibDependencyException: tried again after the next batch', error: 'KinesisClientLibDependencyException', checkpointsAfter: 'continue' },
    { name: 'ShutdownException: the lease is gone, no more checkpoints', error: 'ShutdownException', checkpointsAfter: 'none' },
    { name: 'InvalidStateException: no more checkpoints', error: 'InvalidStateException', checkpointsAfter: 'none' },
    { name: 'IllegalArgumentException: that position is not asked again', error: 'IllegalArgumentException', checkpointsAfter: 'not-the-same-again' },
  ];
  it.each(cases)('$name', async ({ error, checkpointsAfter }) => {
    const child = startChild();
    let first: CheckpointRequest | null = null;
    const requests = (await playShard(child, (r) => {
      if (first !== null) return null;
      first = r;
      return error;
    })).flat();
    await finish(child);
    expect(first).not.toBeNull();
    const after = requests.slice(1);
    if (checkpointsAfter === 'none') expect(after).toEqual([]);
    else expect(after.length).toBeGreaterThan(0);
    const again = after.filter((r) => r.sequenceNumber === first?.sequenceNumber && r.subSequenceNumber === first.subSequenceNumber);
    if (checkpointsAfter === 'not-the-same-again') expect(again).toEqual([]);
    if (checkpointsAfter === 'continue') expect(atOrBefore(first as unknown as CheckpointRequest, after[0] as CheckpointRequest)).toBe(true);
    expect(ids(child.store.all())).toEqual(ids(await referenceResponses(events)));
  });

  it('a checkpoint reply nobody asked for is logged and ignored', async () => {
    const child = startChild();
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    child.daemon.send('{"action":"checkpoint","sequenceNumber":"1","subSequenceNumber":null,"error":null}');
    await child.daemon.perform(processRecords(batchesOf100[0] ?? []));
    await finish(child);
    expect(child.logger.messages()).toContain('checkpoint reply from the daemon without a request: ignored');
  });
});

describe('writes come before checkpoints', () => {
  it('a failing write is retried, and nothing is checkpointed until it has landed', async () => {
    const store = new MemoryResponseStore();
    const log: string[] = [];
    let failures = 0;
    const flaky: ResponseSink = {
      async write(responses: readonly SecurityResponse[]) {
        if (responses.length > 0 && failures < 3) {
          failures++;
          log.push('write failed');
          throw new Error('ProvisionedThroughputExceededException');
        }
        await store.write(responses);
        log.push('written');
      },
    };
    const child = startChild(flaky);
    const answer = () => {
      log.push('checkpoint');
      return null;
    };
    const requests = await playShard(child, answer);
    // The batches go on while the write is retried in its lane; shutdownRequested waits for it to land.
    requests.push(await child.daemon.perform(shutdownRequested(), answer));
    await finish(child);

    expect(log.slice(0, 4)).toEqual(['write failed', 'write failed', 'write failed', 'written']);
    expect(log.indexOf('checkpoint')).toBeGreaterThan(3);
    expect(requests.flat().length).toBeGreaterThan(0);
    expect(ids(store.all())).toEqual(ids(await referenceResponses(events)));
  });

  it('while a write is being retried the batches go on, nothing is checkpointed, and when stdin closes the child gives up at once and sends nothing more', async () => {
    let attempts = 0;
    const never: ResponseSink = { write: async () => (attempts++, Promise.reject(new Error('table unavailable'))) };
    const child = startChild(never);
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    const requests: CheckpointRequest[] = [];
    for (const batch of batchesOf100) requests.push(...(await child.daemon.perform(processRecords(batch))));
    expect(requests).toEqual([]);
    expect(attempts).toBeGreaterThan(1);
    const started = Date.now();
    await finish(child);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('bad input from the daemon is logged, never fatal', () => {
  it('a line that is not JSON and an unknown action: logged; the unknown action still gets its status', async () => {
    const child = startChild();
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    child.daemon.send('SLF4J: Failed to load class "org.slf4j.impl.StaticLoggerBinder".');
    expect(await child.daemon.perform('{"action":"reticulateSplines","splines":3}')).toEqual([]);
    await child.daemon.perform(processRecords(batchesOf100[0] ?? []));
    await finish(child);
    expect(child.logger.messages()).toEqual(
      expect.arrayContaining(['ignoring a line from the daemon that is not a protocol message', 'unknown action from the daemon: answering its status without doing anything']),
    );
  });

  it('malformed records are dead-lettered with shard and sequence number, and the rest of the batch counts', async () => {
    const child = startChild();
    await child.daemon.perform(initialize(SHARD, 'TRIM_HORIZON', 0));
    const good = daemonRecords(events.slice(0, 300), { first: 1000n });
    const poison = [
      { data: Buffer.from('this is not JSON'), partitionKey: 'shop', sequenceNumber: '900' },
      { data: Buffer.from('{"v":1,"appId":"shop","type":"login_failure"}'), partitionKey: 'shop', sequenceNumber: '901' },
      { data: Buffer.alloc(1024 * 1024 + 10, 0x61), partitionKey: 'shop', sequenceNumber: '902' },
      { data: Buffer.from([0xff, 0xfe, 0x00]), partitionKey: 'shop', sequenceNumber: '903' },
    ];
    const line = JSON.parse(processRecords([...poison, ...good])) as { records: object[] };
    line.records.splice(4, 0, { data: 'e30=', partitionKey: 'shop', sequenceNumber: null, action: 'record' });
    await child.daemon.perform(JSON.stringify(line));
    await finish(child);

    expect(child.letters.map((l) => [l.shardId, l.sequenceNumber])).toEqual([
      [SHARD, 'unknown'],
      [SHARD, '900'],
      [SHARD, '901'],
      [SHARD, '902'],
      [SHARD, '903'],
    ]);
    expect(child.letters.map((l) => l.reason)).toEqual([
      expect.stringContaining('record 4 of the batch is malformed: "sequenceNumber" is null'),
      expect.stringContaining('not JSON'),
      expect.stringContaining('ts'),
      expect.stringContaining('bytes; an event is at most'),
      'record is not valid UTF-8',
    ]);
    expect(child.letters.find((l) => l.sequenceNumber === '902')?.size).toBe(1024 * 1024 + 10);
    expect(ids(child.store.all())).toEqual(ids(await referenceResponses(events.slice(0, 300))));
    expect(child.store.size).toBeGreaterThan(0);
  });
});
