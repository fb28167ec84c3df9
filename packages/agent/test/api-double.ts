/**
 * A stand-in for Riposte's agent API (`/v1/agent/rules`, `/v1/agent/responses` with `since` and
 * `wait`, `/v1/events`), for the agent's own tests of what the real API does only on conditions a
 * test cannot make on demand: refusing a cursor, being down at start. It keeps to the documented
 * shapes (docs/api.md, "Agent API"). Against the real API: the repository's test/integration/agent.test.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentEvent } from '../src/events';
import type { RiposteResponse } from '../src/responses';
import { listen, type Loopback } from './loopback';

export const PACK = {
  format: 1,
  version: 'test.1',
  rules: [{ id: 'xss-001', category: 'xss', on: ['query', 'body'], pattern: '(?i)<script\\b', action: 'block' }],
};

export interface ApiDouble {
  url: string;
  /** Active responses, as GET /v1/agent/rules lists them. */
  active: RiposteResponse[];
  /** Changes the next long-poll answers with (it is woken at once). */
  push(...changes: RiposteResponse[]): void;
  /** Answers the next long-poll 400 invalid_cursor. */
  refuseCursor(): void;
  /** Paths requested, in order (queries included). */
  requests: string[];
  /** The User-Agent of the last request. */
  userAgent: string | undefined;
  events: AgentEvent[];
  close(): Promise<void>;
}

export async function apiDouble(): Promise<ApiDouble> {
  let version = 0;
  let pending: RiposteResponse[] = [];
  let refuse = false;
  let wake: (() => void) | undefined;
  const held = new Set<ServerResponse>();
  const double = { active: [] as RiposteResponse[], requests: [] as string[], events: [] as AgentEvent[], userAgent: undefined as string | undefined };

  const json = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const poll = (res: ServerResponse, waitSeconds: number): void => {
    const answer = (): void => {
      held.delete(res);
      wake = undefined;
      if (refuse) {
        refuse = false;
        return json(res, 400, { error: 'invalid_cursor', message: 'since is not a cursor this server issued' });
      }
      const responses = pending;
      pending = [];
      if (responses.length > 0) version += 1;
      json(res, 200, { responses, cursor: `c${version}`, more: false });
    };
    if (pending.length > 0 || refuse) return answer();
    held.add(res);
    const timer = setTimeout(answer, waitSeconds * 1000);
    wake = () => {
      clearTimeout(timer);
      answer();
    };
  };

  const server: Loopback = await listen((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://double');
    double.requests.push(`${req.method} ${url.pathname}${url.search}`);
    double.userAgent = req.headers['user-agent'];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (url.pathname === '/v1/agent/rules') return json(res, 200, { pack: PACK, responses: double.active, cursor: `c${version}` });
      if (url.pathname === '/v1/agent/responses') return poll(res, Number(url.searchParams.get('wait') ?? 0));
      if (url.pathname === '/v1/events') {
        const events = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: AgentEvent[] }).events;
        double.events.push(...events);
        return json(res, 202, { accepted: events.length, rejected: [] });
      }
      json(res, 404, { error: 'not_found' });
    });
  });
  return Object.assign(double, {
    url: server.url,
    push: (...changes: RiposteResponse[]) => {
      pending.push(...changes);
      wake?.();
    },
    refuseCursor: () => {
      refuse = true;
      wake?.();
    },
    close: async () => {
      for (const res of held) res.destroy();
      await server.close();
    },
  });
}
