/**
 * A service for src/shared/service-thread.test.ts, run in a worker thread: an HTTP server that
 * answers `ok`, throws out of its handler on /crash (an uncaught error, as an emulator's bug would),
 * and refuses to start when its data says so.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveInThread } from '../../src/shared/service-thread';

serveInThread(async (data) => {
  if ((data as { refuse?: string }).refuse !== undefined) throw new Error((data as { refuse: string }).refuse);
  const server = createServer((request, response) => {
    if (request.url === '/crash') throw new Error('the service broke on /crash');
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
