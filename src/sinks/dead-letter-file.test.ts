/** The dead-letter file: one line per rejected record, however often the record is replayed. */
import { mkdtemp, open, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeadLetter } from '../core/ports';
import { JsonLinesDeadLetterSink } from './dead-letter-file';

function letter(sequenceNumber: string, subSequenceNumber = 0, shardId = 'shardId-000000000000'): DeadLetter {
  return { shardId, sequenceNumber, subSequenceNumber, partitionKey: 'shop', reason: 'not JSON', size: 3, preview: 'eHh4' };
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-dead-letters-'));
  path = join(dir, 'dead-letters.jsonl');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function lines(): Promise<{ shardId: string; sequenceNumber: string; subSequenceNumber: number }[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { shardId: string; sequenceNumber: string; subSequenceNumber: number });
}

const keys = async () => (await lines()).map((l) => `${l.shardId}/${l.sequenceNumber}/${l.subSequenceNumber}`);

describe('JsonLinesDeadLetterSink', () => {
  test('a batch replayed after each of four restarts is in the file once', async () => {
    for (let restart = 0; restart < 4; restart++) {
      const sink = new JsonLinesDeadLetterSink(path);
      await sink.write([letter('100'), letter('101')]);
      await sink.close();
    }
    expect(await keys()).toEqual(['shardId-000000000000/100/0', 'shardId-000000000000/101/0']);
  });

  test('a retried write and a repeat inside one batch add nothing; new records of the batch are added', async () => {
    const sink = new JsonLinesDeadLetterSink(path);
    await sink.write([letter('100')]);
    await sink.write([letter('100'), letter('102'), letter('102')]);
    await sink.close();
    expect(await keys()).toEqual(['shardId-000000000000/100/0', 'shardId-000000000000/102/0']);
  });

  test('letters are told apart by shard, sequence number and sub-sequence number', async () => {
    const sink = new JsonLinesDeadLetterSink(path);
    await sink.write([letter('100', 0), letter('100', 1), letter('100', 0, 'shardId-000000000001')]);
    await sink.close();
    expect(await lines()).toHaveLength(3);
  });

  test('what another process appended meanwhile (the shard lease moved here) is recognised', async () => {
    const here = new JsonLinesDeadLetterSink(path);
    await here.write([letter('1', 0, 'shardId-000000000001')]);
    const there = new JsonLinesDeadLetterSink(path);
    await there.write([letter('200')]);
    await there.close();
    await here.write([letter('200'), letter('201')]);
    await here.close();
    expect(await keys()).toEqual(['shardId-000000000001/1/0', 'shardId-000000000000/200/0', 'shardId-000000000000/201/0']);
  });

  test('a line cut short by a writer that died, and lines that are not letters, do not stop the sink', async () => {
    await appendFile(path, 'garbage\n{"shardId":"shardId-000000000000","sequ');
    const sink = new JsonLinesDeadLetterSink(path);
    await sink.write([letter('300')]);
    await sink.write([letter('300')]);
    await sink.close();
    expect((await readFile(path, 'utf8')).match(/"sequenceNumber":"300"/g)).toHaveLength(1);
  });

  test('a reason quoting what the record held is written with its steering characters as JSON escapes', async () => {
    const reason = 'user.login: "admin\u202Egnp.exe\u2028" is too long';
    const sink = new JsonLinesDeadLetterSink(path);
    await sink.write([{ ...letter('400'), partitionKey: 'shop\u2066', reason }]);
    await sink.close();
    const text = await readFile(path, 'utf8');
    expect(/[\u202E\u2028\u2066]/.test(text)).toBe(false);
    expect(JSON.parse(text)).toMatchObject({ reason, partitionKey: 'shop\u2066' });
  });

  test('the keys remembered are bounded: the oldest are forgotten first', async () => {
    const sink = new JsonLinesDeadLetterSink(path, { rememberAtMost: 2 });
    await sink.write([letter('1'), letter('2'), letter('3')]);
    await sink.write([letter('1'), letter('3')]);
    await sink.close();
    expect(await keys()).toEqual(['1', '2', '3', '1'].map((s) => `shardId-000000000000/${s}/0`));
  });

  /** Bytes the sinks read from files while `work` runs (FileHandle.read, which catchUp reads with). */
  async function bytesReadDuring(work: () => Promise<void>): Promise<number> {
    const probe = await open(path, 'a+');
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
    await probe.close();
    const original = proto.read;
    let total = 0;
    const spy = jest.spyOn(proto, 'read').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      const result = await original.apply(this, args);
      total += result.bytesRead;
      return result;
    });
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return total;
  }

  test('its own appends are not read back by its next append', async () => {
    const sink = new JsonLinesDeadLetterSink(path);
    await sink.write(Array.from({ length: 50 }, (_, i) => letter(String(i))));
    const read = await bytesReadDuring(() => sink.write([letter('100')]));
    await sink.close();
    expect(read).toBe(0);
  });

  test('a process starting reads only the tail of a large file: letters there are recognised, older ones are not read', async () => {
    const first = new JsonLinesDeadLetterSink(path);
    await first.write(Array.from({ length: 200 }, (_, i) => letter(String(i))));
    await first.close();
    const size = Buffer.byteLength(await readFile(path, 'utf8'));
    const restarted = new JsonLinesDeadLetterSink(path, { scanTailBytes: 2000 });
    const read = await bytesReadDuring(() => restarted.write([letter('199')]));
    await restarted.write([letter('0')]);
    await restarted.close();
    expect(read).toBeLessThan(2000 + 64 * 1024);
    expect(read).toBeLessThan(size);
    const found = await keys();
    expect(found.filter((k) => k === 'shardId-000000000000/199/0')).toHaveLength(1);
    expect(found.filter((k) => k === 'shardId-000000000000/0/0')).toHaveLength(2);
  });
});
