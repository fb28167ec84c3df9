/**
 * kinesis-local is a process of its own: when it dies without being asked to, it says so (`failed`),
 * so that `riposte start --driver kcl` can stop instead of accepting events nothing will ever read.
 */
import { startKinesisLocal } from './kinesis-local';

/** 'failed' if `failed` has already resolved, 'not yet' otherwise (a resolved promise settles first in the race). */
const settled = (failed: Promise<Error>) => Promise.race([failed.then(() => 'failed'), Promise.resolve('not yet')]);

test('a kinesis-local process that is killed reports why', async () => {
  const kinesis = await startKinesisLocal();
  try {
    expect(await settled(kinesis.failed)).toBe('not yet');
    kinesis.process.kill('SIGKILL');
    const error = await kinesis.failed;
    expect(error.message).toMatch(/^the kinesis-local process \(pid \d+\) exited on SIGKILL/);
  } finally {
    await kinesis.close();
  }
}, 90_000);

test('a kinesis-local process that is closed does not report a failure', async () => {
  const kinesis = await startKinesisLocal();
  await kinesis.close();
  // The exit handler runs before close() resolves: had it reported, `failed` would be settled by now.
  expect(kinesis.process.exitCode !== null || kinesis.process.signalCode !== null).toBe(true);
  expect(await settled(kinesis.failed)).toBe('not yet');
}, 90_000);

test('an in-memory kinesis-local is closed without waiting for its own shutdown', async () => {
  const kinesis = await startKinesisLocal();
  const kill = jest.spyOn(kinesis.process, 'kill');
  await kinesis.close();
  // Killed, not asked first: its SIGTERM shutdown takes ~5 s, and nothing in memory needs it.
  expect(kill.mock.calls).toEqual([['SIGKILL']]);
  expect(kinesis.process.signalCode).toBe('SIGKILL');
}, 90_000);

