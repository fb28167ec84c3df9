/**
 * The two calls an agent makes, over plain `fetch`: post a batch of events, and read the
 * application's responses (all active ones, or the changes since a cursor, held open with `wait`).
 */
import type { RiposteResponse } from '@riposte/agent';

/** A response as the agent API shows it (docs/api.md): the agent's own type, with the application. */
export type AgentResponse = RiposteResponse & { appId: string };

export interface ResponsesPage {
  responses: AgentResponse[];
  cursor: string;
  more: boolean;
}

export type PostOutcome =
  | { kind: 'accepted'; status: 202; rejected: { index: number; reason: string }[]; at: number }
  /** Worth sending again: the stream refused (503), the server was busy, or the connection failed. */
  | { kind: 'retry'; status: number; message: string }
  /** Sending again will not help (401, 400, 413…). */
  | { kind: 'refused'; status: number; message: string };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class AgentApi {
  readonly #url: string;
  readonly #headers: Record<string, string>;

  constructor(url: string, token: string) {
    this.#url = url.replace(/\/+$/, '');
    this.#headers = { authorization: `Bearer ${token}` };
  }

  get url(): string {
    return this.#url;
  }

  async postEvents(events: readonly object[], signal?: AbortSignal): Promise<PostOutcome> {
    let response: Response;
    try {
      response = await fetch(`${this.#url}/v1/events`, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
        signal,
      });
    } catch (error) {
      if (signal?.aborted === true) throw error;
      return { kind: 'retry', status: 0, message: `POST /v1/events failed: ${(error as Error).message}` };
    }
    const at = Date.now();
    const text = await response.text();
    if (response.status === 202) {
      const body = JSON.parse(text) as { rejected?: { index: number; reason: string }[] };
      return { kind: 'accepted', status: 202, rejected: body.rejected ?? [], at };
    }
    const message = `POST /v1/events answered ${response.status}: ${text.slice(0, 500)}`;
    return response.status === 503 || response.status === 429 || response.status >= 500 ? { kind: 'retry', status: response.status, message } : { kind: 'refused', status: response.status, message };
  }

  /** Without `since`: every active response. With `since` and `waitSeconds`: a long-poll. */
  async responses(options: { since?: string; waitSeconds?: number; signal?: AbortSignal } = {}): Promise<ResponsesPage> {
    const query = new URLSearchParams();
    if (options.since !== undefined) query.set('since', options.since);
    if (options.waitSeconds !== undefined) query.set('wait', String(options.waitSeconds));
    const path = `/v1/agent/responses${query.size > 0 ? `?${query.toString()}` : ''}`;
    const response = await fetch(`${this.#url}${path}`, { headers: this.#headers, signal: options.signal });
    const text = await response.text();
    if (response.status !== 200) throw new ApiError(`GET ${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 500)}`, response.status);
    return JSON.parse(text) as ResponsesPage;
  }
}
