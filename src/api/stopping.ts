/**
 * The API's part in a graceful stop. Once `begin` is called, every new request is answered 503
 * `stopping` at once (with `Connection: close` and `Retry-After`), held long-polls are answered, and
 * `begin` resolves when the requests already being served have been answered: the process can then
 * stop what they use (the stream, the tables, Redis) while the port stays open, answering 503, until
 * the very end. Closing the port first would refuse the connections of agents that post meanwhile,
 * and reset the ones the kernel had already accepted for it.
 */
export class ApiStopping {
  readonly #controller = new AbortController();
  #inFlight = 0;
  #drained: (() => void) | undefined;

  /** Aborted once stopping has begun. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** A request is being served; call what this returns once it has been answered (once or more). */
  enter(): () => void {
    this.#inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight--;
      if (this.#inFlight === 0) this.#drained?.();
    };
  }

  /** Refuses new requests from now on; resolves once those in flight are answered, or after `timeoutMs`. */
  begin(timeoutMs: number): Promise<void> {
    this.#controller.abort();
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#drained = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs).unref();
      this.#drained = done;
    });
  }
}
