/**
 * One process of the example shop (examples/shop) on a free port, with @riposte/agent following the
 * given Riposte: what `npm run demo` runs three of, and what the agent's end-to-end tests run
 * against. Resolves once it listens; `ready()` once its agent has loaded Riposte's rules and responses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root';

export interface ShopOptions {
  name: string;
  riposteUrl: string;
  token: string;
  /** TRUST_PROXY: proxy hops or addresses in front of the shop. */
  trustProxy?: string;
  /** More agent options (RIPOSTE_AGENT_OPTIONS). */
  agentOptions?: Record<string, unknown>;
  /** Called with each line the shop prints on standard error (the agent's warnings). */
  onStderr?: (line: string) => void;
}

export interface ShopProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** The agent's stats, from the shop's /healthz. */
  stats(): Promise<ShopStats>;
  /** Resolves once the agent has loaded the rules and responses (polling /healthz). */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ShopStats {
  ready: boolean;
  connected: boolean;
  responses: { addresses: number; ranges: number; users: number; simulated: number };
  requests: Record<string, number>;
  events: { queued: number; sending: number; sent: number; dropped: number; rejected: number; refused: number; retried: number; invalid: number };
}

const LISTENING = / listening on (http:\/\/\S+)/;

export function startShop(o: ShopOptions): Promise<ShopProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RIPOSTE_URL: o.riposteUrl,
    RIPOSTE_TOKEN: o.token,
    SHOP_NAME: o.name,
    PORT: '0',
    HOST: '127.0.0.1',
    TRUST_PROXY: o.trustProxy ?? '',
    RIPOSTE_AGENT_OPTIONS: JSON.stringify(o.agentOptions ?? {}),
  };
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(REPO_ROOT, 'examples', 'shop', 'server.ts')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    err = (err + text).slice(-20_000);
    for (const line of text.split('\n')) if (line !== '') o.onStderr?.(line);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = LISTENING.exec(out)?.[1];
      if (url === undefined) return;
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      resolve(shop(o.name, url, child, exited));
    };
    const onExit = (code: number | null): void => reject(new Error(`shop ${o.name} exited (${code}) before listening:\n${err.slice(-3000)}`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

function shop(name: string, url: string, child: ChildProcess, exited: Promise<number | null>): ShopProcess {
  const stats = async (): Promise<ShopStats> => {
    const response = await fetch(`${url}/healthz`);
    return ((await response.json()) as { agent: ShopStats }).agent;
  };
  return {
    name,
    url,
    child,
    stats,
    ready: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await stats()).ready) {
        if (Date.now() > deadline) throw new Error(`the agent of shop ${name} did not load Riposte's rules within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
