/**
 * A service that answers on a loopback port (an embedded emulator) run in a worker thread of this
 * process, so that its work does not share the event loop of the process's own server: kinesalite
 * spends ~8 ms of its loop on a one-record PutRecords and 20–30 ms on a 150 KB aggregated one, which
 * in the same loop every request of the API waited behind (docs/ingest.md).
 *
 * A thread, not a child process: it dies with the process, so a `riposte start` killed with SIGKILL
 * leaves no emulator behind holding the data directory's LevelDB lock against the next start.
 *
 * The two halves: `startServiceThread` (the process's side) and `serveInThread` (what the thread's
 * module calls with the function that starts its server).
 */
import { join } from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';

export interface ServiceThread {
  readonly name: string;
  /** http://127.0.0.1:PORT, where the service in the thread listens. */
  readonly endpoint: string;
  /** The thread itself (its id, its resources); stop it with close(). */
  readonly worker: Worker;
  /** Resolves (never rejects) when the thread ends without being asked to (an uncaught error, a terminated thread), with why. */
  readonly failed: Promise<Error>;
  /** Asks the service to close (it finishes what it is answering), then waits for the thread to end. */
  close(): Promise<void>;
  /**
   * The thread's own heap, as `process.memoryUsage()` reports it in the thread (each thread has a V8
   * isolate of its own; `rss` is the whole process's). Undefined if the thread is gone or does not
   * answer within a second. Node 20's Worker has no getHeapStatistics(), hence the message.
   */
  memory(): Promise<ThreadMemory | undefined>;
}

/** One isolate's memory, bytes: what `process.memoryUsage()` says in that thread, less the process-wide rss. */
export type ThreadMemory = Omit<NodeJS.MemoryUsage, 'rss'>;

/** What runs in the thread: starts the server from the thread's data, says where it listens and how to close it. */
export type ServiceStarter = (data: unknown) => Promise<{ endpoint: string; close(): Promise<void> }>;

type FromThread = { kind: 'listening'; endpoint: string } | { kind: 'closed' } | { kind: 'memory'; id: number; memory: ThreadMemory };
type ToThread = { kind: 'close' } | { kind: 'memory'; id: number };

interface ThreadData {
  entry: string;
  data: unknown;
}

/** How long close() waits for the service to close before it stops the thread outright. */
const CLOSE_BOUND_MS = 10_000;
/** How long memory() waits for the thread's answer: a thread busy that long is left out of a scrape. */
const MEMORY_BOUND_MS = 1000;

/**
 * The thread's first code. A checkout runs TypeScript (bin/typescript-cache.js transpiles it for the
 * process, and a thread loads modules on its own, without the process's hooks), a built image runs
 * JavaScript: the module is loaded as this file was.
 */
function bootstrap(entry: string): string {
  const lines = ['const { workerData } = require("node:worker_threads");'];
  if (entry.endsWith('.ts')) {
    const root = join(__dirname, '..', '..');
    lines.push(`require(${JSON.stringify(join(root, 'bin', 'typescript-cache.js'))}).register(${JSON.stringify(root)});`);
  }
  lines.push('require(workerData.entry);');
  return lines.join('\n');
}

/**
 * Starts `entry` (a module that calls serveInThread; pass it as `require.resolve('./x')`) in a worker
 * thread with `data`, and resolves once its service listens. Rejects with the thread's error if it
 * fails to start.
 */
export function startServiceThread(name: string, entry: string, data: unknown): Promise<ServiceThread> {
  const worker = new Worker(bootstrap(entry), { eval: true, workerData: { entry, data } satisfies ThreadData });
  let closing = false;
  let failure: Error | undefined;
  let lastError: Error | undefined;
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  let closed: () => void = () => undefined;
  const closedByService = new Promise<void>((resolve) => (closed = resolve));
  let asked = 0;
  const answers = new Map<number, (memory: ThreadMemory | undefined) => void>();

  return new Promise<ServiceThread>((resolve, reject) => {
    let started = false;
    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('message', (message: FromThread) => {
      if (message.kind === 'closed') closed();
      if (message.kind === 'memory') answers.get(message.id)?.(message.memory);
      if (message.kind !== 'listening' || started) return;
      started = true;
      resolve({
        name,
        endpoint: message.endpoint,
        worker,
        failed,
        close: async () => {
          if (closing) return void (await exited);
          closing = true;
          if (failure !== undefined) return;
          worker.postMessage({ kind: 'close' } satisfies ToThread);
          const bound = setTimeout(() => void worker.terminate(), CLOSE_BOUND_MS).unref();
          await Promise.race([closedByService, exited]);
          await worker.terminate();
          clearTimeout(bound);
        },
        memory: () => {
          if (closing || failure !== undefined) return Promise.resolve(undefined);
          const id = ++asked;
          return new Promise<ThreadMemory | undefined>((answered) => {
            const late = setTimeout(() => settle(undefined), MEMORY_BOUND_MS).unref();
            function settle(memory: ThreadMemory | undefined) {
              clearTimeout(late);
              answers.delete(id);
              answered(memory);
            }
            answers.set(id, settle);
            worker.postMessage({ kind: 'memory', id } satisfies ToThread);
          });
        },
      });
    });
    worker.once('exit', (code) => {
      const why = lastError ?? new Error(`the ${name} thread exited with code ${code}`);
      if (!started) {
        reject(new Error(`the ${name} thread did not start: ${why.message}`, { cause: why }));
        return;
      }
      if (closing) return;
      failure = new Error(`the ${name} thread stopped: ${why.message}`, { cause: why });
      reportFailure(failure);
    });
  });
}

/**
 * The thread's side: starts the service with the data the process gave, tells the process where it
 * listens, and closes it when asked. An error here (at start or later) ends the thread, and the
 * process's side reports it.
 */
export function serveInThread(start: ServiceStarter): void {
  const port = parentPort;
  if (port === null) throw new Error('serveInThread runs in a worker thread started by startServiceThread, not in the main thread');
  void start((workerData as ThreadData).data).then((service) => {
    port.on('message', (message: ToThread) => {
      if (message.kind === 'memory') {
        const { rss: _process, ...memory } = process.memoryUsage();
        port.postMessage({ kind: 'memory', id: message.id, memory } satisfies FromThread);
        return;
      }
      void service.close().then(() => {
        port.postMessage({ kind: 'closed' } satisfies FromThread);
        port.close();
      });
    });
    port.postMessage({ kind: 'listening', endpoint: service.endpoint } satisfies FromThread);
  }, (error: unknown) => {
    // Rethrown outside the promise: an uncaught error ends the thread and reaches the process as 'error'.
    setImmediate(() => {
      throw error;
    });
  });
}
