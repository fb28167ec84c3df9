export interface WaitOptions {
  /** What is awaited, for the timeout's message. */
  what?: string;
  /** Output to show with the timeout's message (its last 3000 characters). */
  context?: () => string;
  everyMs?: number;
}

/** Polls `probe` until it gives a value; fails after `timeoutMs` saying what it waited for. */
export async function waitForValue<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, options: WaitOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const waitingFor = options.what === undefined ? '' : ` waiting for ${options.what}`;
      const output = options.context === undefined ? '' : `; output so far:\n${options.context().slice(-3000)}`;
      throw new Error(`timed out after ${timeoutMs} ms${waitingFor}${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 100));
  }
}

/** Polls `condition` until it holds; fails after `timeoutMs` saying what it waited for. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  await waitForValue(async () => ((await condition()) ? true : undefined), timeoutMs, { what, everyMs });
}
