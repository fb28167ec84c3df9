/**
 * The embedded emulators run beside the API's thread, not in it: they answer while it is busy.
 *
 * The emulators close their database when their server closes. A request whose client hung up (a
 * shard reader aborted its GetRecords at stop) is still being handled then: the server must close
 * only once that handler has answered, or its next database read throws out of the emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { closeWhenHandled, startEmbeddedServices } from './services';

/**
 * Asks each emulator for its list (of streams, of tables) from a thread of the test's own, which
 * flags the shared cell 1 once both answered 200 (2 otherwise).
 */
const ASK_BOTH = `
const { workerData } = require('node:worker_threads');
const cell = new Int32Array(workerData.cell);
const ask = (endpoint, target) => fetch(endpoint + '/', {
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.' + (target.startsWith('Kinesis') ? '1' : '0'),
    'x-amz-target': target,
    'x-amz-date': '20260101T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/any/aws4_request, SignedHeaders=host, Signature=0',
  },
  body: '{}',
}).then((response) => response.status);
Promise.all([ask(workerData.kinesis, 'Kinesis_20131202.ListStreams'), ask(workerData.dynamo, 'DynamoDB_20120810.ListTables')])
  .then((statuses) => statuses.every((status) => status === 200) ? 1 : 2, () => 2)
  .then((flag) => { Atomics.store(cell, 0, flag); Atomics.notify(cell, 0); });
`;

test('the emulators answer while the thread that started them is busy', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'riposte-embedded-threads-'));
  const services = await startEmbeddedServices(dataDir);
  try {
    const cell = new SharedArrayBuffer(4);
    const asker = new Worker(ASK_BOTH, { eval: true, workerData: { cell, kinesis: services.kinesisEndpoint, dynamo: services.dynamoEndpoint } });
    // This thread is held, as a long piece of the API's work would hold it, until both answered: an
    // emulator in this thread could not answer, and the wait would run out.
    const waited = Atomics.wait(new Int32Array(cell), 0, 0, 10_000);
    await asker.terminate();
    expect(waited).not.toBe('timed-out');
    expect(new Int32Array(cell)[0]).toBe(1);
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 30_000);

/** A server like kinesalite's: answers after `delayMs`, and records when its "database" closes. */
function slowServer(delayMs: number, events: string[]): Server {
  const server = createServer((_request, response) => {
    setTimeout(() => {
      events.push('answered');
      response.end('{}');
    }, delayMs).unref();
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    events.push('database closed');
    return close(callback);
  };
  return server;
}

/** Sends a request and hangs up as soon as it is sent, as an aborted SDK call does. */
function abandonedRequest(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST' });
    req.on('error', () => undefined);
    req.end('{}', () => {
      req.destroy();
      resolve();
    });
  });
}

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

test('the server closes after the handler of an abandoned request has answered', async () => {
  const events: string[] = [];
  const server = slowServer(200, events);
  const close = closeWhenHandled(server);
  const url = await listening(server);
  await abandonedRequest(url);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the request reaches its handler
  await close();
  expect(events).toEqual(['answered', 'database closed']);
});

test('a handler that never answers holds the close only for the bound', async () => {
  const events: string[] = [];
  const server = slowServer(60_000, events);
  const close = closeWhenHandled(server, 100);
  const url = await listening(server);
  await abandonedRequest(url);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  await close();
  expect(events).toEqual(['database closed']);
  expect(Date.now() - started).toBeLessThan(2000);
});
