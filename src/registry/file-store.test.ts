/**
 * The registry file's writers' lock: a live holder keeps it however long it writes, and a lock left
 * by a process that died is taken over. (The contract both registry stores share is store.test.ts.)
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppRecord } from './app-record';
import { FileRegistryStore, lockRegistry } from './file-store';
import { RegistryError } from './store';

const STALE_MS = 2000; // proper-lockfile's least

function record(appId: string): AppRecord {
  return { appId, createdAt: '2026-11-28T12:00:00.000Z', updatedAt: '2026-11-28T12:00:00.000Z', revision: 1, tokens: [], settings: {}, playbooks: [] };
}

let dir: string;
let files = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'riposte-file-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
const registryPath = () => join(dir, `apps-${++files}.json`);

test('a live lock is not taken over, however long its holder holds it: the writer waits, then writes', async () => {
  const path = registryPath();
  const holder = await lockRegistry(path, { staleMs: STALE_MS });
  const store = new FileRegistryStore(path, { staleMs: STALE_MS, waitMs: 20_000 });
  const order: string[] = [];
  const writing = store.create(record('shop')).then(() => order.push('written'));
  // Held for longer than the stale time, by a process that is alive: what a slow write looks like.
  await new Promise((resolve) => setTimeout(resolve, 2 * STALE_MS));
  expect(() => holder.assertHeld()).not.toThrow();
  order.push('released');
  await holder.release();
  await writing;
  expect(order).toEqual(['released', 'written']);
  expect(await store.get('shop')).toMatchObject({ appId: 'shop' });
});

test('a lock left by a process that died (not refreshed for longer than the stale time) is taken over', async () => {
  const path = registryPath();
  const lockDir = `${path}.lock`;
  await mkdir(lockDir);
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(lockDir, minuteAgo, minuteAgo);
  const store = new FileRegistryStore(path, { staleMs: STALE_MS, waitMs: 1000 });
  await store.create(record('shop'));
  expect(await store.get('shop')).toMatchObject({ appId: 'shop' });
});

test('a writer that waited its whole wait for a live lock is refused with what to do', async () => {
  const path = registryPath();
  const holder = await lockRegistry(path, { staleMs: STALE_MS });
  try {
    const store = new FileRegistryStore(path, { staleMs: STALE_MS, waitMs: 300 });
    const refused = await store.create(record('shop')).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/is held by another process .*try again/) });
  } finally {
    await holder.release();
  }
});

test('a lock file left by an earlier riposte (a file, not a directory) is named in the refusal, with what to do', async () => {
  const path = registryPath();
  await writeFile(`${path}.lock`, '');
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(`${path}.lock`, minuteAgo, minuteAgo);
  const refused = await new FileRegistryStore(path, { staleMs: STALE_MS, waitMs: 300 }).create(record('shop')).then(() => undefined, (error: unknown) => error);
  expect(refused).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/lock file left by an earlier riposte; remove it/) });
});
