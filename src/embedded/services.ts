/**
 * The embedded default of `riposte start`: Kinesis (kinesalite) and DynamoDB (dynalite) in threads of
 * this process, both speaking the AWS wire protocol on a loopback port, their data in LevelDB under the
 * data directory so that a restart keeps streams, tables, checkpoints and responses. Nothing else in
 * Riposte knows they are embedded: the AWS SDK is pointed at them like at any endpoint.
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startServiceThread, type ServiceThread } from '../shared/service-thread';
import type { EmulatorThreadData } from './emulator-thread';
import { startKinesisLocal } from './kinesis-local';

export interface EmbeddedServices {
  kinesisEndpoint: string;
  dynamoEndpoint: string;
  /** The emulators' threads. */
  threads: readonly ServiceThread[];
  /** Every emulator (a thread, or kinesis-local's process): each says when it stops on its own (`failed`). */
  parts: readonly EmbeddedPart[];
  close(): Promise<void>;
}

export interface EmbeddedPart {
  /** As people call it: `embedded DynamoDB (dynalite)`. */
  readonly name: string;
  /** Resolves (never rejects) when the emulator stops without being asked to, with why. */
  readonly failed: Promise<Error>;
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/**
 * Both emulators close their database when their server closes. A request whose client gave up
 * (a reader aborted at stop) is still being handled then, and its next database read would throw
 * out of the emulator and crash the process: so the servers close only once every handler has
 * answered (or after a bound, should one never answer).
 */
export function closeWhenHandled(server: Server, boundMs = 2000): () => Promise<void> {
  let handling = 0;
  let allHandled: (() => void) | undefined;
  server.on('request', (_request, response: ServerResponse) => {
    handling++;
    // Neither 'finish' nor 'close' says the handler is done once the client is gone; its end() does.
    const end = response.end;
    response.end = function (this: ServerResponse, ...args: unknown[]) {
      response.end = end;
      if (--handling === 0) allHandled?.();
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof response.end;
  });
  return async () => {
    if (handling > 0) {
      await new Promise<void>((resolve) => {
        allHandled = resolve;
        setTimeout(resolve, boundMs).unref();
      });
    }
    await new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  };
}

/**
 * `kinesis`: kinesalite (the default), or kinesis-local in a process of its own for the KCL
 * MultilangDaemon, which needs HTTP/2 (src/embedded/kinesis-local.ts). Each keeps its own data, so
 * streams of one are not seen by the other. kinesalite and dynalite each run in a worker thread
 * (./emulator-thread.ts): in the API's event loop, kinesalite's PutRecords held every request up.
 */
export async function startEmbeddedServices(dataDir: string, options: { kinesis?: 'kinesalite' | 'kinesis-local' } = {}): Promise<EmbeddedServices> {
  const threads: ServiceThread[] = [];
  const parts: EmbeddedPart[] = [];
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    await Promise.all(closers.map((closer) => closer()));
  };
  const inThread = async (name: string, data: EmulatorThreadData): Promise<string> => {
    const thread = await startServiceThread(name, require.resolve('./emulator-thread'), data);
    threads.push(thread);
    parts.push(thread);
    closers.push(() => thread.close());
    return thread.endpoint;
  };
  try {
    const [kinesisEndpoint, dynamoEndpoint] = await Promise.all([
      options.kinesis === 'kinesis-local'
        ? startKinesisLocal({ dataDir: join(dataDir, 'kinesis-local') }).then((kinesisLocal) => {
            parts.push({ name: 'embedded Kinesis (kinesis-local)', failed: kinesisLocal.failed });
            closers.push(() => kinesisLocal.close());
            return kinesisLocal.endpoint;
          })
        : inThread('embedded Kinesis (kinesalite)', { emulator: 'kinesalite', path: join(dataDir, 'kinesis') }),
      inThread('embedded DynamoDB (dynalite)', { emulator: 'dynalite', path: join(dataDir, 'dynamodb') }),
    ]);
    return {
      kinesisEndpoint,
      dynamoEndpoint,
      threads,
      parts,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
