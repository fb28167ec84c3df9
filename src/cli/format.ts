/** Tables for people: responses, applications. */
import type { SecurityResponse } from '../core/response';
import { escapedText } from '../core/untrusted-text';

/**
 * Columns padded to their widest cell, the last one not padded. Cells may hold what an attacker sent
 * (a login, a reason quoting a path): steering characters are shown escaped (src/core/untrusted-text.ts).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => row.map(escapedText));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: readonly string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}

function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function formatResponseTable(responses: readonly SecurityResponse[]): string {
  if (responses.length === 0) return 'no responses\n';
  const rows = responses.map((r) => [
    r.createdAt,
    r.appId,
    r.detector,
    `${r.action}${r.simulated ? ' (simulated)' : ''}`,
    `${r.target.type} ${r.target.value}`,
    duration((Date.parse(r.expiresAt) - Date.parse(r.createdAt)) / 1000),
    r.reason,
  ]);
  return formatTable(['created', 'app', 'detector', 'action', 'target', 'for', 'reason'], rows);
}
