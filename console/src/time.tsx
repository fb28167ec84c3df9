import { useEffect, useState } from 'react';
import type { AgentResponse, ResponseStatus } from './api';

/** The clock, re-read every `everyMs`, so that what depends on it (a status, "3 min ago") moves on. */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A response's state now: the server's is as of when it was sent. */
export function statusAt(r: AgentResponse, now: number): ResponseStatus {
  if (r.revokedAt !== null) return 'revoked';
  return Date.parse(r.expiresAt) <= now ? 'expired' : 'active';
}

/** `2026-11-28 15:51:35` in the reader's time zone; the full ISO time is in the element's title. */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function Time({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={iso}>
      {clockTime(iso)}
    </time>
  );
}
