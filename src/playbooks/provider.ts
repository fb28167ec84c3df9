/**
 * Where an application's playbooks come from: the application registry (a list of `{ name, yaml }`
 * per application), a directory of files, or both.
 */

/** A playbook as the application registry stores it. */
export interface PlaybookDocument {
  name: string;
  yaml: string;
}

/** A stored playbook and where it came from, for messages (`playbooks/shop/coupons.yaml`, `registry:shop/coupons`). */
export interface PlaybookEntry extends PlaybookDocument {
  origin: string;
}

/**
 * Called once per batch per application, so it answers from memory. Returning the same array while
 * nothing changed lets the config source answer with the same AppConfig without comparing anything.
 */
export interface PlaybookProvider {
  playbooksFor(appId: string): readonly PlaybookEntry[];
}

/**
 * The registry's playbooks: `lookup` returns the application's list (or undefined), from the
 * registry's in-memory cache; the same list object while it has not changed.
 */
export function registryPlaybooks(lookup: (appId: string) => readonly PlaybookDocument[] | undefined): PlaybookProvider {
  const cache = new Map<string, { documents: readonly PlaybookDocument[]; entries: readonly PlaybookEntry[] }>();
  return {
    playbooksFor(appId) {
      const documents = lookup(appId) ?? [];
      const cached = cache.get(appId);
      if (cached?.documents === documents) return cached.entries;
      const entries = documents.map((d) => ({ name: d.name, yaml: d.yaml, origin: `registry:${appId}/${d.name}` }));
      cache.set(appId, { documents, entries });
      return entries;
    },
  };
}

/** The playbooks of several providers, in order; an application's list is rebuilt only when a part changed. */
export function combinePlaybooks(...providers: readonly PlaybookProvider[]): PlaybookProvider {
  if (providers.length === 1) return providers[0] as PlaybookProvider;
  const cache = new Map<string, { parts: (readonly PlaybookEntry[])[]; entries: readonly PlaybookEntry[] }>();
  return {
    playbooksFor(appId) {
      const parts = providers.map((p) => p.playbooksFor(appId));
      const cached = cache.get(appId);
      if (cached !== undefined && cached.parts.every((part, i) => part === parts[i])) return cached.entries;
      const entries = parts.flat();
      cache.set(appId, { parts, entries });
      return entries;
    },
  };
}
