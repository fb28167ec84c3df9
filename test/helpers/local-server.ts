/**
 * An in-process AWS emulator (kinesalite, dynalite) listening on a free loopback port, handing out
 * SDK clients pointed at it. Clients are destroyed when the server closes, so a test cannot leave a
 * socket open that keeps Jest from exiting. The server closes only once every request handler has
 * answered (closeWhenHandled, as `riposte start`'s emulators do): dynalite closes its database with
 * its server, and a handler still running then (a lease write of a KCL daemon killed at the end of a
 * test) threw "Database is closed" out of the test file.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientOverrides } from '../../src/aws/clients';
import { closeWhenHandled } from '../../src/embedded/services';

// The emulators accept any credentials, but the SDK refuses to sign a request without some.
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalServer<Client> {
  endpoint: string;
  /** A client for this server; `overrides` win over the local endpoint, region and credentials. */
  client(overrides?: ClientOverrides): Client;
  close(): Promise<void>;
}

export async function serveLocally<Client extends { destroy(): void }>(server: Server, createClient: (o: ClientOverrides) => Client): Promise<LocalServer<Client>> {
  const closeServer = closeWhenHandled(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  return {
    endpoint,
    client(overrides = {}) {
      const c = createClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, ...overrides });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await closeServer();
    },
  };
}
