/**
 * Parts of a process that died and do not come back by themselves (the local driver, the digester,
 * an embedded emulator's thread): reported here, so that `/healthz` fails naming them and
 * `riposte start` stops and exits non-zero, rather than answering 202 to events that nothing reads
 * any more.
 */
export interface PartFailure {
  /** The part, as people call it: `local driver`, `digester`, `embedded DynamoDB (dynalite)`. */
  part: string;
  /** What went wrong: the error itself, its stack and cause kept for the log (messageOf for people). */
  error: unknown;
}

/** The text of a part's failure, for /healthz and the terminal. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class PartFailures {
  readonly #failures: PartFailure[] = [];
  readonly #listeners: ((failure: PartFailure) => void)[] = [];

  get list(): readonly PartFailure[] {
    return this.#failures;
  }

  report(part: string, error: unknown): void {
    const failure = { part, error };
    this.#failures.push(failure);
    for (const listener of this.#listeners) listener(failure);
  }

  /** Resolves at the first failure reported (at once if there was one already). */
  first(): Promise<PartFailure> {
    const known = this.#failures[0];
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => this.#listeners.push(resolve));
  }
}
