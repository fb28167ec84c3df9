/**
 * The console's parts as the composition root opens them: the admin credentials (RIPOSTE_ADMIN_TOKEN;
 * in embedded mode without it, the token made on the first start), sessions and event counts in Redis
 * when the API processes share one (else in memory), and the built pages.
 */
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Env } from '../../config/env';
import type { DetectorDefinition } from '../../core/detector';
import type { Logger } from '../../core/ports';
import { AppRegistry } from '../../registry/registry';
import type { RegistryStore } from '../../registry/store';
import { ADMIN_TOKEN_FILE, adminCredentials, embeddedAdminToken, type AdminCredentials } from './admin-credentials';
import { ConsoleBundle, packageRoot } from './bundle';
import { MemoryEventCounts, RedisEventCounts } from './event-counts';
import type { ResponseTimeline } from './overview';
import { RedisSessionStore } from './redis-sessions';
import type { ConsoleDeps } from './register';
import { MemorySessionStore } from './sessions';

export interface ConsoleAccess {
  configured: boolean;
  /** A token made on this start (embedded mode, first start): printed once. */
  created: string | undefined;
  /** Where its hash is kept. */
  storedIn: string | undefined;
}

export interface OpenConsoleOptions {
  env: Env;
  mode: 'embedded' | 'aws';
  redis: Redis | undefined;
  registryStore: RegistryStore;
  /** The built-in detectors: the settings form's fields and the settings' validation. */
  definitions: readonly DetectorDefinition[];
  timeline: ResponseTimeline;
  logger: Logger;
  /** Where the console's sources or build are; the package's root by default. */
  root?: string;
}

export async function openConsole(o: OpenConsoleOptions): Promise<{ deps: ConsoleDeps; access: ConsoleAccess; close(): Promise<void> }> {
  const { credentials, access } = await credentialsFor(o.env, o.mode);
  const counts = o.redis === undefined ? new MemoryEventCounts() : new RedisEventCounts(o.redis, { logger: o.logger });
  const bundle = new ConsoleBundle(o.root ?? packageRoot(), { logger: o.logger });
  // Built (if the sources changed) while the rest starts; a request for a page waits for it.
  if (credentials.configured) bundle.prepare();
  return {
    deps: {
      credentials,
      sessions: o.redis === undefined ? new MemorySessionStore() : new RedisSessionStore(o.redis),
      counts,
      registry: new AppRegistry(o.registryStore, o.definitions),
      definitions: o.definitions,
      timeline: o.timeline,
      bundle,
      playbooksDir: o.env.RIPOSTE_PLAYBOOKS_DIR,
    },
    access,
    close: () => counts.close(),
  };
}

async function credentialsFor(env: Env, mode: 'embedded' | 'aws'): Promise<{ credentials: AdminCredentials; access: ConsoleAccess }> {
  if (env.RIPOSTE_ADMIN_TOKEN !== undefined) {
    return { credentials: adminCredentials({ token: env.RIPOSTE_ADMIN_TOKEN }), access: { configured: true, created: undefined, storedIn: undefined } };
  }
  if (mode === 'aws') return { credentials: adminCredentials({}), access: { configured: false, created: undefined, storedIn: undefined } };
  const stored = await embeddedAdminToken(env.RIPOSTE_DATA_DIR);
  return {
    credentials: adminCredentials({ storedHash: stored.hash }),
    access: { configured: true, created: stored.created, storedIn: join(env.RIPOSTE_DATA_DIR, ADMIN_TOKEN_FILE) },
  };
}
