import { StartupError } from '../core/config-errors';

/**
 * Opens a listening port through `listen`; a port another process holds becomes a StartupError
 * naming the port, the host and the setting that chose it (`setting`: PORT, RIPOSTE_METRICS_PORT),
 * which the command line prints without a stack, instead of a bare EADDRINUSE.
 */
export async function listenOrExplain<T>(setting: string, port: number, host: string, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') throw error;
    throw new StartupError(`port ${port} on ${host} (${setting}) is in use: stop what holds it or choose another port`, { cause: error });
  }
}
