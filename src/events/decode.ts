/**
 * One record's bytes → one event, or the precise reason it is not one.
 *
 * Decoding is the floor of the whole pipeline (docs/performance.md, "The engine"): the happy path is
 * UTF-8 → JSON.parse → the fast check in `validate.ts`, with no other allocation. Only a rejected
 * record pays for the zod schema, to say exactly what is wrong with it.
 */
import { EventSchema, formatIssues, type RiposteEvent } from './schema';
import { checkEvent } from './validate';

export type DecodeResult =
  | { ok: true; event: RiposteEvent; time: number }
  | { ok: false; reason: string };

/** Kinesis caps a record at 1 MiB; anything larger did not come from a stream. */
export const MAX_RECORD_BYTES = 1024 * 1024;

const decoder = new TextDecoder('utf-8', { fatal: true });

function rejection(reason: string): DecodeResult {
  return { ok: false, reason };
}

export function decodeEvent(data: Uint8Array): DecodeResult {
  if (data.byteLength > MAX_RECORD_BYTES) {
    return rejection(`record is ${data.byteLength} bytes; an event is at most ${MAX_RECORD_BYTES} bytes`);
  }
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return rejection('record is not valid UTF-8');
  }
  return decodeEventText(text);
}

export function decodeEventText(text: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return rejection(`not JSON: ${(error as Error).message}`);
  }
  return validateEvent(value);
}

export function validateEvent(value: unknown): DecodeResult {
  const time = checkEvent(value);
  if (time === time) return { ok: true, event: value as RiposteEvent, time };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rejection(`not an object: the record is ${describe(value)}, an event is a JSON object`);
  }
  const parsed = EventSchema.safeParse(value);
  if (parsed.success) {
    // The fast check and the schema disagree: a bug in validate.ts, which the property test exists
    // to catch. Trust the schema, the definition of the contract.
    const ts = (value as { ts: string }).ts;
    return { ok: true, event: parsed.data, time: Date.parse(ts) };
  }
  return rejection(formatIssues(parsed.error));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
