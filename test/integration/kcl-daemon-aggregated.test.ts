/**
 * The real KCL MultilangDaemon reading what the ingest API writes: KPL-aggregated records, packed by
 * the API's own publisher (group commit, src/api/ingest-aggregate.ts). The KCL de-aggregates them
 * with protobuf-java; with an older protobuf-java than the KCL was built against (aws-kcl's pom gave
 * 4.27.5, KCL 2.7.2 needs 4.31.1) it skipped the first aggregated record with a WARN, then shut down
 * (docs/drivers.md). This pins the whole path: every event delivered once with its sub-sequence
 * number, and the responses of `riposte replay`.
 */
import { KinesisEventPublisher } from '../../src/api/event-publisher';
import type { TestEvent } from '../../src/testing/factories';
import { batches } from '../helpers/kcl-daemon';
import { readStream } from '../helpers/local-kinesis';
import { conversations, delivered, deploy, describeWithJava, startWorker, useDaemonWorld, writtenIds } from '../helpers/real-daemon';
import { replayIds } from '../helpers/reference';
import { streamTraffic } from '../helpers/stream-traffic';
import { waitForValue } from '../helpers/wait';

const APPS = ['shop', 'bank'];
const MINUTES = 60_000;

/**
 * Posts the events as agents would: each next twenty (in time order) at once, in requests of one
 * application each, which share one write — so each application's events are packed together.
 */
async function publishAll(publisher: KinesisEventPublisher, all: readonly TestEvent[]): Promise<void> {
  for (const wave of batches(all, 20)) {
    const outcomes = await Promise.all(
      APPS.map((app) => ({ app, records: wave.filter((e) => e.appId === app).map((e) => Buffer.from(JSON.stringify(e))) }))
        .filter(({ records }) => records.length > 0)
        .map(({ app, records }) => publisher.publish(app, records)),
    );
    expect(outcomes.flatMap((o) => o.failed)).toEqual([]);
  }
}

describeWithJava('the real KCL daemon and aggregated records', () => {
  const daemonWorld = useDaemonWorld();

  it('de-aggregates what the ingest API writes: every event delivered with its sub-sequence number, and the responses of riposte replay', async () => {
    const world = daemonWorld();
    const d = await deploy(world, 1);
    // In the recent past: Kinesis arrival times are real, and the engine refuses events far ahead of them.
    const events = streamTraffic({ apps: APPS, startMs: Date.now() - 3 * 3600_000, spanSeconds: 3600, seed: 61 });
    await publishAll(new KinesisEventPublisher(world.kinesisClient, d.stream, { lingerMs: 50 }), events);
    const onStream = await readStream(world.kinesisClient, d.stream);
    expect(onStream).toHaveLength(events.length);
    expect(onStream.every((r) => r.aggregated)).toBe(true);
    const expected = await replayIds(events);
    expect(expected.length).toBeGreaterThan(5);

    const worker = startWorker(d, 'worker-a');
    const key = (r: { sequenceNumber: string; subSequenceNumber: number }) => `${r.sequenceNumber}/${r.subSequenceNumber}`;
    const deliveredKeys = () => new Set(conversations(worker.tapDir).flatMap((c) => delivered(c).map(key)));
    // The KCL's own warnings and errors, with their causes (the children's stderr, which it copies as
    // ERROR lines, left out): where a record it could not de-aggregate shows.
    const troubles = () =>
      worker
        .log()
        .split('\n')
        .filter((line) => (/\b(ERROR|WARN)\b/.test(line) && !line.includes('DrainChildSTDERRTask')) || line.startsWith('Caused by'))
        .join('\n');
    await waitForValue(
      async () => {
        if (worker.process.exitCode !== null || worker.process.signalCode !== null) throw new Error(`the daemon exited before delivering every record:\n${troubles().slice(-3000)}`);
        return onStream.every((r) => deliveredKeys().has(key(r))) && (await writtenIds(d, APPS)).length >= expected.length ? true : undefined;
      },
      4 * MINUTES,
      {
        what: `the daemon to deliver the ${onStream.length} user records of ${new Set(onStream.map((r) => r.sequenceNumber)).size} aggregated records, and every response written`,
        context: () => `${deliveredKeys().size} user records delivered; the daemon's warnings and errors:\n${troubles()}`,
        everyMs: 250,
      },
    );
    expect(await writtenIds(d, APPS)).toEqual(expected);
    // Each user record once, with its own sub-sequence number, in the order of the stream.
    expect(conversations(worker.tapDir).flatMap((c) => delivered(c).map(key))).toEqual(onStream.map(key));
  }, 6 * MINUTES);
});
