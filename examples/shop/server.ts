/**
 * Starts one shop process: `RIPOSTE_URL=… RIPOSTE_TOKEN=… npm start` (in examples/shop).
 *
 * Environment:
 *   RIPOSTE_URL, RIPOSTE_TOKEN   Riposte's API and the application's agent token (required)
 *   PORT, HOST                   where the shop listens (default 3000 on 127.0.0.1; PORT=0: any free port)
 *   SHOP_NAME                    its name in pages and logs (default "shop")
 *   TRUST_PROXY                  proxy hops (a number) or proxy addresses/ranges in front of it (default none)
 *   RIPOSTE_AGENT_OPTIONS        more agent options, as JSON (e.g. {"batch":{"maxQueueSize":100}})
 *
 * It prints one line, `<name> listening on <url>`, and stops on SIGTERM or SIGINT after the agent has
 * sent what it holds.
 */
import type { AddressInfo } from 'node:net';
import { createAgent, type AgentOptions } from '@riposte/agent';
import { buildShop, Sessions } from './shop';

function extraOptions(): Partial<AgentOptions> {
  const text = process.env.RIPOSTE_AGENT_OPTIONS;
  if (text === undefined || text === '') return {};
  try {
    return JSON.parse(text) as Partial<AgentOptions>;
  } catch (error) {
    throw new Error(`RIPOSTE_AGENT_OPTIONS is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

function trustProxy(text: string | undefined): AgentOptions['trustProxy'] {
  if (text === undefined || text === '') return false;
  return /^\d+$/.test(text) ? Number(text) : text;
}

async function main(): Promise<void> {
  const name = process.env.SHOP_NAME ?? 'shop';
  const sessions = new Sessions();
  const agent = createAgent({
    // Riposte: the agent, created once per process.
    url: process.env.RIPOSTE_URL,
    token: process.env.RIPOSTE_TOKEN,
    agentId: `${name}:${process.pid}`,
    trustProxy: trustProxy(process.env.TRUST_PROXY),
    identify: (req) => sessions.user(req),
    ...extraOptions(),
  });
  const app = buildShop(name, agent, sessions);
  const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
    const { address, port } = server.address() as AddressInfo;
    process.stdout.write(`${name} listening on http://${address}:${port}\n`);
  });
  void agent.ready().then(() => process.stdout.write(`${name}: Riposte's rules and responses loaded\n`));

  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void agent.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
