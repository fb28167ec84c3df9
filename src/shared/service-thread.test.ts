/**
 * A service in a worker thread: it answers from its own thread, closes when asked without counting
 * as a failure, and a thread that dies on its own is reported with why.
 */
import { startServiceThread } from './service-thread';

const entry = require.resolve('../../test/helpers/thread-service');

test('the service answers from its thread and closes when asked, which is not a failure', async () => {
  const thread = await startServiceThread('test service', entry, {});
  expect(await (await fetch(`${thread.endpoint}/`)).text()).toBe('ok');
  await thread.close();
  // close() resolves once the thread has exited, so a failure would already be reported: the race
  // sees `failed` settled first if it is.
  expect(await Promise.race([thread.failed, Promise.resolve('not failed')])).toBe('not failed');
  await expect(fetch(`${thread.endpoint}/`)).rejects.toThrow();
});

test('an uncaught error in the thread is reported as its failure, with the error', async () => {
  const thread = await startServiceThread('test service', entry, {});
  await fetch(`${thread.endpoint}/crash`).catch(() => undefined); // the connection dies with the thread
  const failure = await thread.failed;
  expect(failure.message).toBe('the test service thread stopped: the service broke on /crash');
  await thread.close(); // already gone: returns at once
});

test('a thread ended from outside is a failure too', async () => {
  const thread = await startServiceThread('test service', entry, {});
  await thread.worker.terminate();
  expect((await thread.failed).message).toMatch(/^the test service thread stopped: the test service thread exited with code 1$/);
});

test('a service that cannot start rejects the start with its reason', async () => {
  await expect(startServiceThread('test service', entry, { refuse: 'no port for you' })).rejects.toThrow('the test service thread did not start: no port for you');
});

test("memory() is the thread's own heap, and undefined once the thread is gone", async () => {
  const thread = await startServiceThread('test service', entry, {});
  const memory = await thread.memory();
  expect(memory).toEqual({ heapUsed: expect.any(Number), heapTotal: expect.any(Number), external: expect.any(Number), arrayBuffers: expect.any(Number) });
  // The thread's isolate, not this one's: a fresh thread's heap is smaller than a jest worker's.
  expect(memory?.heapUsed).toBeGreaterThan(0);
  expect(memory?.heapUsed).toBeLessThan(process.memoryUsage().heapUsed);
  await thread.close();
  expect(await thread.memory()).toBeUndefined();
});
