/** Responses as a table for people. */
import type { SecurityResponse } from '../core/response';

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
  const header = ['created', 'app', 'detector', 'action', 'target', 'for', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
