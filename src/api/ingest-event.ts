/**
 * One posted event → the bytes put on the stream, or why it is refused. The application id comes
 * from the token, never from the event. Beyond the event schema, the ingest refuses what would harm
 * the readers downstream: control characters (they forge log lines and break terminals), nesting
 * deep enough to exhaust a recursive reader, `__proto__` keys, and events over the size limit.
 */
import { validateEvent } from '../events/decode';
import type { ApiLimits } from './limits';

export type PreparedEvent = { ok: true; data: Buffer } | { ok: false; reason: string };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function prepareEvent(value: unknown, appId: string, limits: Pick<ApiLimits, 'eventBytes' | 'eventDepth'>): PreparedEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const checked = validateEvent(value);
    return { ok: false, reason: checked.ok ? 'not an object' : checked.reason };
  }
  const shapeProblem = unsafeContent(value, limits.eventDepth);
  if (shapeProblem !== null) return { ok: false, reason: shapeProblem };
  const event = { ...(value as Record<string, unknown>), appId };
  const checked = validateEvent(event);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const data = Buffer.from(JSON.stringify(event), 'utf8');
  if (data.byteLength > limits.eventBytes) {
    return { ok: false, reason: `the event is ${data.byteLength} bytes; an event is at most ${limits.eventBytes} bytes` };
  }
  return { ok: true, data };
}

/**
 * Walks the event without recursion (a hostile body may nest thousands of levels) and names the
 * first problem by its path.
 */
function unsafeContent(root: object, maxDepth: number): string | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      const match = CONTROL.exec(value);
      if (match !== null) {
        const code = (match[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
        return `${path || 'the event'} contains the control character U+${code} at position ${match.index}; text may not contain control characters`;
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return `${path} is nested deeper than ${maxDepth} levels`;
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (key === '__proto__') return `${at}: the key __proto__ is not allowed`;
      if (CONTROL.test(key)) return `${JSON.stringify(at)}: keys may not contain control characters`;
      stack.push({ value: item, path: at, depth: depth + 1 });
    }
  }
  return null;
}
