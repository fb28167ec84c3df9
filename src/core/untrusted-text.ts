/**
 * Every field of an event is attacker-controlled. Logins and paths are stored as they were sent, but
 * wherever they are shown — the console, log lines, dead letters, `riposte replay`'s output, the
 * command line's tables — a string must not steer the display: a RIGHT-TO-LEFT OVERRIDE (U+202E)
 * turns `exe.txt` around, a LINE SEPARATOR (U+2028) breaks a line, a zero-width space hides in a
 * login name. Those characters are cut out here and shown as their escape (`\u202E`), so that what
 * the reader sees is what the attacker sent. One implementation for the server and the console (which
 * imports this file; src/api/console/bundle.ts hashes it with the console's sources).
 *
 * Text shown to a person goes through `escapedText` (or `segments`, to mark the escapes). JSON meant
 * for programs and people alike goes through `safeJsonText`: the same characters become JSON escapes,
 * so the document parses back to exactly what was sent, while its bytes steer nothing.
 */

/**
 * C0 and C1 controls, DEL, the bidirectional embeddings, overrides, isolates and marks, the line and
 * paragraph separators, zero-width characters, and the byte-order mark.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const STEERING = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

export interface TextSegment {
  text: string;
  /** True for one steering character, shown as its escape. */
  escaped: boolean;
}

/** `\u202E`: how one steering character is shown. */
function escapeOf(char: string): string {
  return `\\u${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The text in runs of plain text and escaped characters, in order. */
export function segments(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(STEERING)) {
    const at = match.index;
    if (at > last) out.push({ text: text.slice(last, at), escaped: false });
    out.push({ text: escapeOf(match[0]), escaped: true });
    last = at + match[0].length;
  }
  if (last < text.length || out.length === 0) out.push({ text: text.slice(last), escaped: false });
  return out;
}

/** The whole text with every steering character escaped (for titles and labels). */
export function escapedText(text: string): string {
  return segments(text)
    .map((s) => s.text)
    .join('');
}

/**
 * The steering characters that JSON.stringify leaves as they are (it escapes those below U+0020
 * itself, and a raw newline there is the end of a JSON line, not part of a value).
 */
const STEERING_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/**
 * JSON text (JSON.stringify's output, one line or many) with every steering character written as a
 * JSON escape: the same document to a parser, inert bytes to a terminal or an editor.
 */
export function safeJsonText(json: string): string {
  return json.replace(STEERING_IN_JSON, escapeOf);
}

/**
 * JSON text in which every steering character is written as the visible text `\u202E` (an escaped
 * backslash): for JSON a pretty-printer parses and then shows to a person (pino-pretty), where a JSON
 * escape would be turned back into the character itself.
 */
export function visiblyEscapedJsonText(json: string): string {
  // Two backslashes in the JSON text: one escaping the other, so the parsed value holds one.
  return json.replace(STEERING_IN_JSON, (char) => `\\\\${escapeOf(char).slice(1)}`);
}
