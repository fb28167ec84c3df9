/**
 * `riposte start` stopping on SIGTERM, as agents see it: the requests being served are answered (a
 * held long-poll at once, a post still uploading once it has arrived), and requests that arrive while
 * it stops are answered 503 `stopping` with Connection: close, not refused or cut off: the port stays
 * open until the requests in flight are answered and everything else has stopped.
 */
import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoToken, startRiposteProcess } from '../helpers/riposte-process';
import { waitFor } from '../helpers/wait';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-stop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Outcome = { status: number; error?: string; connection?: string } | { failed: string };

/** A request on a connection of its own; `body` is written by the caller when given as 'later'. */
function send(url: string, token: string, options: { method?: string; body?: string } = {}): { req: ClientRequest; outcome: Promise<Outcome> } {
  let req!: ClientRequest;
  const outcome = new Promise<Outcome>((resolve) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) });
    req = request(url, { method: options.method ?? 'GET', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, error: text.startsWith('{') ? (JSON.parse(text) as { error?: string }).error : undefined, connection: response.headers.connection }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ failed: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ failed: error.code ?? error.message }));
  });
  return { req, outcome };
}

async function inFlight(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^riposte_http_requests_in_flight (\d+)$/m.exec(text)?.[1] ?? NaN);
}

it('answers the requests in flight at SIGTERM and every request arriving while it stops, then exits 0', async () => {
  const riposte = await startRiposteProcess(dataDir);
  try {
    const token = await demoToken(riposte);
    const { cursor } = (await (await fetch(`${riposte.url}/v1/agent/responses`, { headers: { authorization: `Bearer ${token}` } })).json()) as { cursor: string };
    const held = send(`${riposte.url}/v1/agent/responses?since=${cursor}&wait=20`, token);
    held.req.end();
    // A post whose body is still on its way when the signal comes.
    const body = JSON.stringify({ events: [{ v: 1, ts: new Date().toISOString(), type: 'login_failure', actor: { ip: '192.0.2.1' } }] });
    const uploading = send(`${riposte.url}/v1/events`, token, { method: 'POST', body });
    uploading.req.write(body.slice(0, 10));
    await waitFor('the long-poll and the post to be in flight (and this scrape)', async () => (await inFlight(riposte.url)) === 3, 10_000, 50);

    const exited = new Promise<number | null>((resolve) => riposte.child.once('exit', (code) => resolve(code)));
    riposte.child.kill('SIGTERM');
    // Agents arriving now, each on new connections, back to back until one is not answered 200.
    const arriving = Array.from({ length: 4 }, async () => {
      for (;;) {
        const { req, outcome } = send(`${riposte.url}/v1/agent/responses`, token);
        req.end();
        const got = await outcome;
        if (!('status' in got) || got.status !== 200) return got;
      }
    });
    expect(await Promise.all(arriving)).toEqual(Array.from({ length: 4 }, () => ({ status: 503, error: 'stopping', connection: 'close' })));
    expect(await held.outcome).toMatchObject({ status: 200 });

    // A slow agent: the rest of its body comes 1.5 s after the signal, longer than the grace a server
    // gives connections once it closes (1 s): the port must still be open, and the post answered.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    uploading.req.end(body.slice(10));
    expect(await uploading.outcome).toMatchObject({ status: 202 });
    expect(await exited).toBe(0);
  } finally {
    riposte.child.kill('SIGKILL');
  }
}, 90_000);
