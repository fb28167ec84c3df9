/**
 * A stand-in for Riposte's `POST /v1/events` that answers as a script says: the transport's
 * reactions to 429, 503 with `failed`, 401 or a dropped connection are what is under test, and the
 * real API answers those only under conditions a test cannot make on demand. It speaks the API's
 * documented answers (docs/api.md, "Ingest"); the agent's tests against the real API are in the
 * repository's test/integration/agent.test.ts and test/e2e/agent-shops.test.ts.
 */
import type { AgentEvent } from '../src/events';
import { listen, type Loopback } from './loopback';

export interface Received {
  at: number;
  events: AgentEvent[];
  headers: Record<string, string | string[] | undefined>;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Answers a batch; the default accepts everything. `n` counts requests from 0. */
export type Script = (events: AgentEvent[], n: number) => Reply | 'hang';

export const accept: Script = (events) => ({ status: 202, body: { accepted: events.length, rejected: [] } });

export interface IngestDouble {
  url: string;
  received: Received[];
  /** Every event id received, in order, with repeats. */
  ids(): string[];
  script: Script;
  close(): Promise<void>;
}

export async function ingestDouble(script: Script = accept, port = 0): Promise<IngestDouble> {
  const received: Received[] = [];
  const double: IngestDouble = {
    url: '',
    received,
    ids: () => received.flatMap((r) => r.events.map((e) => e.id)),
    script,
    close: async () => undefined,
  };
  const server: Loopback = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/events') {
        res.writeHead(404).end();
        return;
      }
      const events = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: AgentEvent[] }).events;
      const n = received.length;
      received.push({ at: Date.now(), events, headers: req.headers });
      const reply = double.script(events, n);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body ?? {}));
    });
  }, port);
  double.url = server.url;
  double.close = () => server.close();
  return double;
}
