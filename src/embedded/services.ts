/**
 * The embedded default of `riposte start`: Kinesis (kinesalite) and DynamoDB (dynalite) in this
 * process, both speaking the AWS wire protocol on a loopback port, their data in LevelDB under the
 * data directory so that a restart keeps streams, tables, checkpoints and responses. Nothing else in
 * Riposte knows they are embedded: the AWS SDK is pointed at them like at any endpoint.
 */
import { mkdirSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';

export interface EmbeddedServices {
  kinesisEndpoint: string;
  dynamoEndpoint: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
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

export async function startEmbeddedServices(dataDir: string): Promise<EmbeddedServices> {
  const kinesisDir = join(dataDir, 'kinesis');
  const dynamoDir = join(dataDir, 'dynamodb');
  mkdirSync(kinesisDir, { recursive: true });
  mkdirSync(dynamoDir, { recursive: true });
  // Streams and tables become active at once: there is no capacity to provision on one machine.
  const kinesis = kinesalite({ path: kinesisDir, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 64 });
  const dynamo = dynalite({ path: dynamoDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const closers = [closeWhenHandled(kinesis), closeWhenHandled(dynamo)];
  const [kinesisEndpoint, dynamoEndpoint] = await Promise.all([listen(kinesis), listen(dynamo)]);
  return {
    kinesisEndpoint,
    dynamoEndpoint,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
