/**
 * The shard reader's delay between GetRecords calls, as a policy of the last call (its start and its
 * bytes) and the pacing chosen: with Kinesis's limits a full read is followed by the time its bytes
 * take at 2 MB/s; on the embedded kinesalite only by the call spacing. No clock is involved: the
 * times are given.
 */
import { readPacingFor } from '../from-env';
import { EMBEDDED_READ_PACING, KINESIS_READ_PACING, readDelayMs } from './read-pacing';

const MiB = 1024 * 1024;

describe('with byte pacing (Kinesis)', () => {
  test('a read of 1 MiB is followed by the half second 1 MiB takes at 2 MiB/s', () => {
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: MiB }, 10_000)).toBe(500);
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: MiB }, 10_300)).toBe(200);
  });

  test('a small read waits the call spacing (5 calls a second), which the byte rate does not shorten', () => {
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: 1000 }, 10_000)).toBe(200);
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: 0 }, 10_050)).toBe(150);
  });

  test('the time spent processing the last read counts: a call already due waits nothing', () => {
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: MiB }, 10_500)).toBe(0);
    expect(readDelayMs(KINESIS_READ_PACING, { atMs: 10_000, bytes: MiB }, 12_000)).toBe(0);
  });
});

describe('without byte pacing (the embedded kinesalite)', () => {
  test('a read of 1 MiB, or of 10 MiB, is followed only by the call spacing', () => {
    expect(readDelayMs(EMBEDDED_READ_PACING, { atMs: 10_000, bytes: MiB }, 10_000)).toBe(200);
    expect(readDelayMs(EMBEDDED_READ_PACING, { atMs: 10_000, bytes: 10 * MiB }, 10_000)).toBe(200);
    expect(readDelayMs(EMBEDDED_READ_PACING, { atMs: 10_000, bytes: MiB }, 10_200)).toBe(0);
  });

  test('calls are still spaced as on Kinesis', () => {
    expect(EMBEDDED_READ_PACING.minTimeBetweenReadsMs).toBe(KINESIS_READ_PACING.minTimeBetweenReadsMs);
  });
});

test('riposte start paces bytes on AWS or configured endpoints, not on its embedded kinesalite', () => {
  const afterFullRead = (stream: 'embedded' | 'aws') => readDelayMs(readPacingFor(stream), { atMs: 0, bytes: MiB }, 0);
  expect(afterFullRead('aws')).toBe(500);
  expect(afterFullRead('embedded')).toBe(200);
});
