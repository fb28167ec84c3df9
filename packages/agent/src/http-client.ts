/**
 * The agent's HTTP client for Riposte's API, on `node:http`/`node:https` with a keep-alive pool of
 * its own (no dependency, and no effect on the application's own HTTP traffic).
 *
 * It never rejects: a failure is an outcome, with what went wrong. And it never keeps the
 * application's process alive: the socket of a background request (a long-poll held 30 s, a batch
 * being sent) is unref'd, so an application that ends without calling `close()` still exits. Only
 * the requests of `close()` itself hold the process, so that the last batch gets out.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path and query under the base URL, e.g. `/v1/agent/responses?since=...`. */
  path: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  keepProcessAlive?: boolean;
}

export type HttpOutcome =
  | { ok: true; status: number; headers: IncomingHttpHeaders; body: string }
  | { ok: false; error: Error; aborted: boolean };

/** The largest answer read (a page of 500 responses is about 0.5 MB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class HttpClient {
  readonly #base: URL;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly #pool: http.Agent;
  readonly #request: typeof http.request;

  constructor(base: URL, token: string, userAgent: string) {
    this.#base = base;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#headers = { authorization: `Bearer ${token}`, 'user-agent': userAgent, accept: 'application/json' };
    const secure = base.protocol === 'https:';
    // A long-poll holds one socket; batches and rule refreshes use the others.
    this.#pool = secure ? new https.Agent({ keepAlive: true, maxSockets: 4 }) : new http.Agent({ keepAlive: true, maxSockets: 4 });
    this.#request = secure ? https.request : http.request;
  }

  request(r: HttpRequest): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { ...this.#headers, ...r.headers };
      if (r.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(r.body));
      }
      let req: http.ClientRequest;
      try {
        req = this.#request({
          protocol: this.#base.protocol,
          hostname: this.#base.hostname.replace(/^\[|\]$/g, ''),
          port: this.#base.port,
          path: this.#basePath + r.path,
          method: r.method,
          headers,
          agent: this.#pool,
        });
      } catch (error) {
        return resolve({ ok: false, error: error as Error, aborted: false });
      }
      let settled = false;
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const fail = (error: Error): void => finish({ ok: false, error, aborted: r.signal?.aborted === true });
      const timer = setTimeout(() => req.destroy(new Error(`no answer from ${r.method} ${r.path.split('?')[0]} within ${r.timeoutMs} ms`)), r.timeoutMs);
      if (r.keepProcessAlive !== true) timer.unref();
      const onAbort = (): void => void req.destroy(new Error('aborted'));
      r.signal?.addEventListener('abort', onAbort, { once: true });
      if (r.signal?.aborted === true) onAbort();
      req.on('socket', (socket) => {
        if (r.keepProcessAlive !== true) socket.unref();
        else socket.ref();
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) return void req.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error(`the connection closed before the answer to ${r.method} ${r.path.split('?')[0]} was complete`));
        });
        res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(r.body);
    });
  }

  /** Closes the pool's sockets. */
  close(): void {
    this.#pool.destroy();
  }
}
