import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { StartupError } from '../core/config-errors';
import { listenOrExplain } from './listen-or-explain';

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

describe('listenOrExplain', () => {
  it('turns a port another process holds into a StartupError naming the port, the host and the setting', async () => {
    const holder = createServer();
    await listenOn(holder, 0, '127.0.0.1');
    const { port } = holder.address() as AddressInfo;
    const second = createServer();
    try {
      const refused = await listenOrExplain('PORT', port, '127.0.0.1', () => listenOn(second, port, '127.0.0.1')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StartupError);
      expect((refused as Error).message).toBe(`port ${port} on 127.0.0.1 (PORT) is in use: stop what holds it or choose another port`);
      expect(((refused as Error).cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
    } finally {
      second.close();
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('lets other errors through as they are', async () => {
    const denied = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' });
    await expect(listenOrExplain('PORT', 80, '0.0.0.0', () => Promise.reject(denied))).rejects.toBe(denied);
  });
});
