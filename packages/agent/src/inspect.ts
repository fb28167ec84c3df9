/**
 * Runs the rules over the parts of one request, as each rule says:
 * - `path`: the path as requested (raw, without the query), so encoded tricks like `..%2f` are seen;
 * - `query`: each name and value of the query string, decoded;
 * - `cookies`: each cookie's value, decoded;
 * - `body`: the parsed body the framework set (`req.body`: every string and key of a JSON or form
 *   body, a text body as it is); a body the framework has not parsed is not seen, so mount the
 *   middleware after the body parsers;
 * - `userAgent`: the User-Agent header.
 *
 * Work per request is bounded: at most `maxChars` characters in all are matched (like a WAF's body
 * inspection limit), so even a megabyte of form fields costs a bounded, small time. A request with
 * more is inspected up to the limit and counted as truncated.
 */
import type { IncomingMessage } from 'node:http';
import type { CompiledPack, Rule, RulePart } from './rules';

export interface RuleHit {
  rule: Rule;
  part: RulePart;
}

export interface Inspection {
  /** The first hit of a blocking rule; inspection stops there. */
  block: RuleHit | undefined;
  /** Every hit, the blocking one included, each rule once. */
  hits: RuleHit[];
  /** Some of the request was past the limit and not inspected. */
  truncated: boolean;
}

const NONE: readonly Rule[] = Object.freeze([]);
/** Texts remembered per part, and the longest remembered. */
const MEMO_ENTRIES = 2048;
const MEMO_MAX_TEXT = 1024;

/** How deep into a parsed body the inspection goes. */
const MAX_BODY_DEPTH = 16;

export type InspectedRequest = IncomingMessage & { originalUrl?: string };

class Scan {
  remaining: number;
  hits: RuleHit[] | undefined;
  block: RuleHit | undefined;
  truncated = false;

  constructor(
    private readonly pack: CompiledPack,
    maxChars: number,
  ) {
    this.remaining = maxChars;
  }

  check(part: RulePart, text: string): void {
    if (this.block !== undefined || text.length === 0) return;
    if (this.remaining === 0) {
      this.truncated = true;
      return;
    }
    if (text.length > this.remaining) {
      text = text.slice(0, this.remaining);
      this.truncated = true;
    }
    this.remaining -= text.length;
    for (const rule of this.#matching(part, text)) {
      if (this.hits?.some((h) => h.rule === rule) === true) continue;
      const hit = { rule, part };
      (this.hits ??= []).push(hit);
      if (rule.action === 'block') {
        this.block = hit;
        return;
      }
    }
  }

  /** The rules of `part` that match `text`, in the pack's order. */
  #matching(part: RulePart, text: string): readonly Rule[] {
    const memo = this.pack.memo[part];
    const known = memo?.get(text);
    if (known !== undefined) return known;
    const any = this.pack.anyOf[part];
    const found = any !== undefined && !any(text) ? NONE : this.pack.byPart[part].filter((rule) => rule.test(text));
    if (memo !== undefined && text.length <= MEMO_MAX_TEXT) {
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(text, found);
    }
    return found;
  }

  body(value: unknown, depth: number): void {
    if (this.block !== undefined) return;
    if (this.remaining === 0) {
      this.truncated = true;
      return;
    }
    if (typeof value === 'string') return this.check('body', value);
    if (typeof value !== 'object' || value === null || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return;
    if (depth >= MAX_BODY_DEPTH) {
      this.truncated = true;
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) this.body(item, depth + 1);
      return;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      this.check('body', key);
      this.body((value as Record<string, unknown>)[key], depth + 1);
    }
  }
}

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The rules' hits on this request; undefined when there are none and nothing was cut. */
export function inspectRequest(pack: CompiledPack, req: InspectedRequest, body: unknown, maxChars: number): Inspection | undefined {
  const scan = new Scan(pack, maxChars);
  const parts = pack.byPart;
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  if (parts.path.length > 0) scan.check('path', q === -1 ? url : url.slice(0, q));
  if (parts.query.length > 0 && q !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
      scan.check('query', name);
      scan.check('query', value);
      if (scan.block !== undefined) break;
    }
  }
  const agent = req.headers['user-agent'];
  if (parts.userAgent.length > 0 && agent !== undefined) scan.check('userAgent', agent);
  const cookie = req.headers.cookie;
  if (parts.cookies.length > 0 && cookie !== undefined) {
    for (const pair of cookie.split(';')) {
      const eq = pair.indexOf('=');
      scan.check('cookies', decode(eq === -1 ? pair.trim() : pair.slice(eq + 1).trim()));
      if (scan.block !== undefined) break;
    }
  }
  if (parts.body.length > 0 && body !== undefined) scan.body(body, 0);
  if (scan.hits === undefined && !scan.truncated) return undefined;
  return { block: scan.block, hits: scan.hits ?? [], truncated: scan.truncated };
}
