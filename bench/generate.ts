/**
 * A realistic event mix for benchmarks: mostly fresh actors (the long tail of the internet, and
 * spoofed floods), a few attackers doing what the built-in detectors look for, ~5,000 events per
 * second of event time, reported slightly out of order.
 */
import type { ShardRecord } from '../src/engine/types';
import { seededRandom } from '../src/testing/random';

const BASE = Date.parse('2026-11-28T12:00:00.000Z');
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'curl/8.5.0',
  'python-requests/2.32.3',
];
const PATHS = ['/', '/login', '/cart', '/products/42', '/search', '/api/v1/orders', '/checkout'];
const CATEGORIES = ['sqli', 'xss', 'lfi', 'rce', 'ssrf', 'xxe'];

export interface MixOptions {
  /** Share of events from attackers; the rest come from fresh actors. */
  attackerShare?: number;
  /** Include an event id (exercises duplicate detection). */
  ids?: boolean;
  seed?: number;
  /** Index of the first event (for generating in chunks). */
  offset?: number;
  apps?: number;
}

/** Event `i` of the mix, as the JSON an agent would send. */
export function mixEvent(i: number, rand: () => number, o: Required<MixOptions>): Record<string, unknown> {
  const ts = new Date(BASE + i * 0.2 + Math.floor(rand() * 2000)).toISOString();
  const app = `app-${i % o.apps}`;
  const agent = `agent-${i % 50}`;
  const common = { v: 1, ...(o.ids ? { id: `${agent}:${i}` } : {}), ts, appId: app };
  const tail = { agent: { id: agent, host: `web-${i % 50}` } };
  if (rand() < o.attackerShare) {
    const attacker = Math.floor(rand() * 20);
    const ip = `203.0.113.${attacker}`;
    switch (attacker % 4) {
      case 0:
        return { ...common, type: 'login_failure', actor: { ip, userAgent: USER_AGENTS[2] }, user: { login: 'admin@example.com' }, request: { method: 'POST', path: '/login', status: 401 }, ...tail };
      case 1:
        return { ...common, type: 'login_failure', actor: { ip, userAgent: USER_AGENTS[3] }, user: { login: `leaked${i}@example.com` }, request: { method: 'POST', path: '/login', status: 401 }, ...tail };
      case 2:
        return { ...common, type: 'attack', actor: { ip, userAgent: USER_AGENTS[2] }, attack: { category: CATEGORIES[i % 6], rule: 'r-1', blocked: true }, request: { method: 'GET', path: '/search', status: 403 }, ...tail };
      default:
        return { ...common, type: 'request', actor: { ip, userAgent: USER_AGENTS[3] }, request: { method: 'GET', path: `/wp-admin/${i % 100}.php`, status: 404 }, ...tail };
    }
  }
  const ip = `${1 + (i % 223)}.${(i >> 8) & 255}.${(i >> 16) & 255}.${i & 255}`;
  const userAgent = USER_AGENTS[i % 2];
  const r = rand();
  if (r < 0.6) {
    const status = rand() < 0.05 ? 404 : 200;
    return { ...common, type: 'request', actor: { ip, userAgent }, request: { method: 'GET', path: PATHS[i % PATHS.length], status }, ...tail };
  }
  if (r < 0.75) return { ...common, type: 'login_success', actor: { ip, userAgent }, user: { id: String(i), login: `user${i}@example.com` }, ...tail };
  if (r < 0.9) {
    return { ...common, type: 'login_failure', actor: { ip, userAgent }, user: { login: `user${i}@example.com` }, request: { method: 'POST', path: '/login', status: 401 }, ...tail };
  }
  return { ...common, type: 'attack', actor: { ip, userAgent }, attack: { category: CATEGORIES[i % 6], rule: 'r-2', blocked: true }, request: { method: 'GET', path: '/search', status: 403 }, ...tail };
}

/** `count` records of the mix, starting at event `offset`. */
export function mixRecords(count: number, options: MixOptions = {}): ShardRecord[] {
  const o: Required<MixOptions> = { attackerShare: 0.02, ids: true, seed: 1, offset: 0, apps: 3, ...options };
  const rand = seededRandom(o.seed + o.offset);
  const records: ShardRecord[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = o.offset + k;
    const event = mixEvent(i, rand, o);
    const time = Date.parse(event.ts as string);
    records[k] = { data: Buffer.from(JSON.stringify(event)), sequenceNumber: String(1_000_000_000 + i), subSequenceNumber: 0, arrivalTime: time + 1000 };
  }
  return records;
}

/**
 * The mix held compactly — one buffer of bytes, offsets and arrival times — and handed out a batch of
 * records at a time, as a driver would. A million record objects kept alive for the whole run would
 * make every full garbage collection trace them, charging the engine for the benchmark's own input.
 */
export class RecordStream {
  private constructor(
    private readonly bytes: Buffer,
    private readonly offsets: Int32Array,
    private readonly arrivals: Float64Array,
  ) {}

  static generate(count: number, options: MixOptions = {}): RecordStream {
    const o: Required<MixOptions> = { attackerShare: 0.02, ids: true, seed: 1, offset: 0, apps: 3, ...options };
    const rand = seededRandom(o.seed + o.offset);
    const parts: Buffer[] = [];
    const offsets = new Int32Array(count + 1);
    const arrivals = new Float64Array(count);
    let size = 0;
    for (let k = 0; k < count; k++) {
      const event = mixEvent(o.offset + k, rand, o);
      const part = Buffer.from(JSON.stringify(event));
      parts.push(part);
      offsets[k] = size;
      size += part.byteLength;
      arrivals[k] = Date.parse(event.ts as string) + 1000;
    }
    offsets[count] = size;
    return new RecordStream(Buffer.concat(parts, size), offsets, arrivals);
  }

  get count(): number {
    return this.arrivals.length;
  }

  get byteLength(): number {
    return this.bytes.byteLength;
  }

  /** Records [start, end), as fresh objects over the shared bytes. */
  batch(start: number, end: number): ShardRecord[] {
    const records: ShardRecord[] = [];
    for (let i = start; i < Math.min(end, this.count); i++) {
      records.push({
        data: this.bytes.subarray(this.offsets[i], this.offsets[i + 1]),
        sequenceNumber: String(1_000_000_000 + i),
        subSequenceNumber: 0,
        arrivalTime: this.arrivals[i],
      });
    }
    return records;
  }
}
