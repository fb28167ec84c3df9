/**
 * Tells waiting requests that an application's responses changed. The writer side (the
 * ResponseChangeNotifier, the admin revoke) publishes after the change is durable and the cache
 * invalidated; the agent API subscribes while a long-poll waits. Redis carries it between processes; a single process
 * without Redis uses the local feed.
 */
export interface ChangeFeed {
  publish(appIds: readonly string[]): Promise<void>;
  /** Calls `listener` whenever a change of `appId` is published, by this or any other process. */
  subscribe(appId: string, listener: () => void): () => void;
}

/** Listeners by application; shared by both feeds. */
export class Listeners {
  readonly #byApp = new Map<string, Set<() => void>>();

  add(appId: string, listener: () => void): () => void {
    let set = this.#byApp.get(appId);
    if (set === undefined) {
      set = new Set();
      this.#byApp.set(appId, set);
    }
    set.add(listener);
    return () => {
      const current = this.#byApp.get(appId);
      if (current === undefined) return;
      current.delete(listener);
      if (current.size === 0) this.#byApp.delete(appId);
    };
  }

  notify(appId: string): void {
    const set = this.#byApp.get(appId);
    if (set === undefined) return;
    for (const listener of [...set]) listener();
  }
}

export class LocalChangeFeed implements ChangeFeed {
  readonly #listeners = new Listeners();

  async publish(appIds: readonly string[]): Promise<void> {
    for (const appId of new Set(appIds)) this.#listeners.notify(appId);
  }

  subscribe(appId: string, listener: () => void): () => void {
    return this.#listeners.add(appId, listener);
  }
}
