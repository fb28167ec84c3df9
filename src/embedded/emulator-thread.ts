/**
 * One embedded emulator — kinesalite or dynalite — in a worker thread of `riposte start`
 * (src/shared/service-thread.ts): its request handling and LevelDB work run on the thread's own event
 * loop, not on the API's.
 */
import { mkdirSync } from 'node:fs';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import { serveInThread } from '../shared/service-thread';
import { closeWhenHandled, listen } from './services';

export interface EmulatorThreadData {
  emulator: 'kinesalite' | 'dynalite';
  /** Where its LevelDB lives. */
  path: string;
}

serveInThread(async (data) => {
  const { emulator, path } = data as EmulatorThreadData;
  mkdirSync(path, { recursive: true });
  // Streams and tables become active at once: there is no capacity to provision on one machine.
  const server =
    emulator === 'kinesalite'
      ? kinesalite({ path, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 64 })
      : dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const close = closeWhenHandled(server);
  return { endpoint: await listen(server), close };
});
