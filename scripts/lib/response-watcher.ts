/**
 * One agent's view of its application's responses, as a real agent keeps it: fetch the active
 * responses once, then long-poll the changes since its cursor, again and again. Each response is
 * reported once per status (the API re-sends the last few seconds of changes on every answer).
 */
import type { AgentApi, AgentResponse } from './agent-api';

export interface SeenResponse {
  response: AgentResponse;
  agent: string;
  /** When this agent received it (epoch ms). */
  at: number;
}

export interface WatcherOptions {
  /** `wait` of each long-poll, in seconds. */
  waitSeconds?: number;
  /** Told about failed polls (the loop keeps going). */
  warn?: (message: string) => void;
}

export class ResponseWatcher {
  readonly #seen = new Set<string>();
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(
    private readonly api: AgentApi,
    readonly agent: string,
    private readonly onSeen: (seen: SeenResponse) => void,
    private readonly options: WatcherOptions = {},
  ) {}

  /** Reads the active responses (returned, not reported) and starts long-polling for changes. */
  async start(): Promise<AgentResponse[]> {
    const first = await this.api.responses({ signal: this.#abort.signal });
    for (const r of first.responses) this.#seen.add(`${r.id}/${r.status}`);
    this.#loop = this.#poll(first.cursor);
    return first.responses;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #poll(cursor: string): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const page = await this.api.responses({ since: cursor, waitSeconds: this.options.waitSeconds ?? 20, signal });
        const at = Date.now();
        cursor = page.cursor;
        for (const response of page.responses) {
          const key = `${response.id}/${response.status}`;
          if (this.#seen.has(key)) continue;
          this.#seen.add(key);
          this.onSeen({ response, agent: this.agent, at });
        }
      } catch (error) {
        if (signal.aborted) return;
        this.options.warn?.(`${this.agent}: ${(error as Error).message}; polling again in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

/**
 * Who waits for a ban on which target, for the latency benchmarks: `expect(target)` before the
 * threshold event is posted, then await it; `seen` is what a watcher's onSeen calls.
 */
export class BanWaiters {
  readonly #waiting = new Map<string, (at: number) => void>();

  /** When the ban of `target` is seen (epoch ms), or undefined after `timeoutMs`. */
  expect(target: string, timeoutMs: number): Promise<number | undefined> {
    return new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(target);
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(target, (at) => {
        clearTimeout(timer);
        this.#waiting.delete(target);
        resolve(at);
      });
    });
  }

  /** Tells the waiter of `target`, if any; false when nobody waited for it. */
  seen(target: string, at: number): boolean {
    const resolve = this.#waiting.get(target);
    if (resolve === undefined) return false;
    resolve(at);
    return true;
  }
}
