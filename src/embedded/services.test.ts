/**
 * The emulators close their database when their server closes. A request whose client hung up (a
 * shard reader aborted its GetRecords at stop) is still being handled then: the server must close
 * only once that handler has answered, or its next database read throws out of the emulator.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeWhenHandled } from './services';

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
