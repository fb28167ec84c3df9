/**
 * A Redis server of the test's own, on a free port, that the test may stop and start again (never the
 * shared one on 6379): nothing saved to disk, so a restart comes back empty.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { waitForValue } from './wait';

/** A port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Starts it (again, on the same port); resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it (SIGTERM); resolves once it has exited. */
  stop(): Promise<void>;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  let server: ChildProcess | undefined;
  let output = '';
  return {
    url,
    port,
    async start() {
      output = '';
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
      server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await waitForValue(
        async () => {
          if (server?.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
          const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          probe.on('error', () => undefined);
          try {
            return (await probe.connect().then(() => probe.ping(), () => undefined)) === 'PONG' ? true : undefined;
          } finally {
            probe.disconnect();
          }
        },
        10_000,
        { what: `redis-server on port ${port}`, context: () => output },
      );
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
}
