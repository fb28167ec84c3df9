/**
 * kinesis-mock (npm `kinesis-local`, a pure JavaScript build of it) as a child process: the Kinesis
 * emulator the KCL MultilangDaemon accepts. kinesalite, which `riposte start` embeds for the local
 * driver, does not serve the KCL (docs/drivers.md, "Which emulator"): the KCL's Kinesis client speaks
 * HTTP/2 only, which kinesalite does not, and kinesalite ignores ListShards' ShardFilter. kinesis-mock
 * answers HTTP/2 and HTTP/1.1 on its plain port, and is tested by its authors with the KCL.
 *
 * It runs in a process of its own (it is a Scala.js program with its own event loop and logging).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { retrying } from '../shared/retry';

export interface KinesisLocal {
  /** http://127.0.0.1:PORT: HTTP/1.1 (the AWS SDK for JavaScript) and HTTP/2 (the KCL) alike. */
  endpoint: string;
  process: ChildProcess;
  /** Resolves (never rejects) when the process ends without close() (killed, out of memory, crashed), with why. */
  readonly failed: Promise<Error>;
  /** What it logged (its last 20,000 characters). */
  output(): string;
  close(): Promise<void>;
}

export interface KinesisLocalOptions {
  /** Keep streams across restarts in this folder (kinesis-mock saves them every few seconds). */
  dataDir?: string;
  /** How long a stream takes to become active, a shard to split... (kinesis-mock default 500 ms). */
  transitionMs?: number;
  logLevel?: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  startTimeoutMs?: number;
}

/** A port nothing listens on now (there is a window in which another process may take it: retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${endpoint}/`, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export function startKinesisLocal(o: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  // A failed start is most likely a port taken between freePort() and the listen: new ports at once.
  return retrying(() => startOnce(o), { delayMs: () => 0, attempts: 3, retryable: () => true });
}

async function startOnce(o: KinesisLocalOptions): Promise<KinesisLocal> {
  const main = require.resolve('kinesis-local/main.js');
  const [plain, tls] = [await freePort(), await freePort()];
  const transition = `${o.transitionMs ?? 100}ms`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    KINESIS_MOCK_PLAIN_PORT: String(plain),
    KINESIS_MOCK_TLS_PORT: String(tls),
    // Its self-signed certificate, for the TLS port nobody here uses; it does not start without it.
    KINESIS_MOCK_CERT_PATH: join(dirname(main), 'server.json'),
    LOG_LEVEL: o.logLevel ?? 'WARN',
    CREATE_STREAM_DURATION: transition,
    DELETE_STREAM_DURATION: transition,
    SPLIT_SHARD_DURATION: transition,
    MERGE_SHARDS_DURATION: transition,
    UPDATE_SHARD_COUNT_DURATION: transition,
    SHARD_LIMIT: '100',
    ...(o.dataDir === undefined ? {} : { SHOULD_PERSIST_DATA: 'true', LOAD_DATA_IF_EXISTS: 'true', PERSIST_PATH: o.dataDir, PERSIST_INTERVAL: '1s' }),
  };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let closing = false;
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // Its streams are gone with it: a reader or the KCL would only retry against a closed port.
      if (!closing) reportFailure(new Error(`the kinesis-local process (pid ${child.pid}) exited ${signal === null ? `with code ${code}` : `on ${signal}`}; last output:\n${output.slice(-2000)}`));
      resolve();
    }),
  );
  const endpoint = `http://127.0.0.1:${plain}`;
  const deadline = Date.now() + (o.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kinesis-local exited before it listened:\n${output}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kinesis-local did not answer on ${endpoint} within ${o.startTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    process: child,
    failed,
    output: () => output,
    async close() {
      closing = true;
      if (child.exitCode === null && child.signalCode === null) {
        // Its own shutdown on SIGTERM takes ~5 s, measured, whether or not it persists. In memory it
        // has nothing to save: killed at once. Persisting, it is let save its streams first.
        if (o.dataDir === undefined) {
          child.kill('SIGKILL');
        } else {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        await exited;
      }
    },
  };
}
