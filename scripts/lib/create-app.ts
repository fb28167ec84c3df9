/**
 * Creates an application for the simulation with `riposte apps add`, in the registry of an embedded
 * server (its RIPOSTE_DATA_DIR), and waits until the running server accepts the new token (servers
 * re-read the registry every few seconds).
 */
import { join } from 'node:path';
import { REPO_ROOT } from './repo-root';
import { runNode } from './run-node';

/** `riposte apps add APP_ID [options]` with RIPOSTE_DATA_DIR=dataDir; resolves with the new token. */
export async function addApp(appId: string, dataDir: string, options: string[] = []): Promise<string> {
  const { code, stdout: out, stderr: err } = await runNode([join(REPO_ROOT, 'bin', 'riposte.js'), 'apps', 'add', appId, ...options], {
    env: { ...process.env, RIPOSTE_DATA_DIR: dataDir },
  });
  const token = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !token.startsWith('rpt_')) throw new Error(`riposte apps add ${appId} (RIPOSTE_DATA_DIR=${dataDir}) failed with exit code ${code}: ${err.trim() || out.trim()}`);
  return token;
}

/** Resolves once the server at `url` accepts `token`; fails after `timeoutMs`. */
export async function waitForToken(url: string, token: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url.replace(/\/+$/, '')}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    if (response.status === 200) return;
    if (response.status !== 401 || Date.now() > deadline) {
      throw new Error(`the server at ${url} does not accept the new token (GET /v1/agent/responses answered ${response.status}); is it running with RIPOSTE_DATA_DIR set to the same directory?`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
