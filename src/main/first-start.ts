/**
 * What `riposte start` prints once: on the very first start an application to try the loop with (its
 * token and a curl line), and the console's admin token when it was made here.
 */
import type { ConsoleAccess } from '../api/console/open';
import type { Logger } from '../core/ports';
import type { AppRegistry } from '../registry/registry';
import type { RegistryWatcher } from '../registry/watcher';

/** On the very first start there is no application: make one, so the loop can be tried at once. */
export async function createDemoAppOnFirstStart(watcher: RegistryWatcher, registry: AppRegistry, logger: Logger): Promise<{ appId: string; token: string } | undefined> {
  if (watcher.snapshot.apps.size > 0) return undefined;
  const { token } = await registry.add('demo');
  await watcher.refresh();
  logger.info({ appId: 'demo' }, 'first start: created the application "demo"');
  return { appId: 'demo', token };
}

export function consoleBanner(access: ConsoleAccess, url: string): string {
  return `
The console: ${url}/console/
Sign in with this admin token (shown once; only its hash is kept, in ${access.storedIn ?? 'the data directory'}):

  ${access.created}

`;
}

export function demoBanner(demo: { appId: string; token: string }, url: string): string {
  const event = (i: number) =>
    `{"v":1,"ts":"'$(date -u +%Y-%m-%dT%H:%M:%S.${String(i).padStart(3, '0')}Z)'","appId":"${demo.appId}","type":"login_failure","actor":{"ip":"203.0.113.7"},"user":{"login":"alice@example.com"}}`;
  const events = Array.from({ length: 10 }, (_, i) => event(i)).join(',');
  return `
First start: created the application "${demo.appId}". Its agent token (shown once; keep it):

  ${demo.token}

Post ten failed logins from one address, then ask for the bans:

  curl -s -X POST ${url}/v1/events -H 'authorization: Bearer ${demo.token}' -H 'content-type: application/json' -d '{"events":[${events}]}'
  curl -s ${url}/v1/agent/responses -H 'authorization: Bearer ${demo.token}'

`;
}
