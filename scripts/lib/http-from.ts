/**
 * One HTTP request from a chosen source address. Every address of 127.0.0.0/8 is the loopback
 * interface, so a test or the demo can play many clients (an attacker, a customer, a proxy) against
 * local servers with real source addresses, no forged header needed.
 */
import { request } from 'node:http';

export interface HttpFromOptions {
  /** The source address, e.g. 127.0.0.66. */
  from: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpFrom(url: string, o: HttpFromOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.from, agent: false, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${url} from ${o.from}: no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A JSON POST from `from`. */
export function postJsonFrom(url: string, from: string, value: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return httpFrom(url, { from, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });
}
