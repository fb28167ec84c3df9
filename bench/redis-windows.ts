/**
 * The common way to build these windows, for comparison: a Redis sorted set per (application,
 * detector, group), trimmed and counted on every event (ZADD, ZREMRANGEBYSCORE, ZCARD, PEXPIRE),
 * pipelined per batch of records. It computes the same conditions as the built-in detectors for
 * in-order events: counts as sorted sets of event ids, distinct counts as sorted sets of values
 * scored by their last time.
 */
import type { Redis } from 'ioredis';
import { decodeEvent } from '../src/events/decode';
import type { ShardRecord } from '../src/engine/types';

interface WindowUse {
  key: string;
  member: string;
  windowMs: number;
  threshold: number;
}

function windowsOf(e: Record<string, unknown> & { appId: string; type: string; actor: { ip: string } }, time: number, id: string): WindowUse[] {
  const ip = e.actor.ip;
  const login = (e.user as { login?: string } | undefined)?.login;
  const out: WindowUse[] = [];
  if (e.type === 'login_failure') {
    out.push({ key: `lbf:${e.appId}:${ip}`, member: id, windowMs: 60_000, threshold: 10 });
    if (login !== undefined) {
      out.push({ key: `cs:${e.appId}:${ip}`, member: login, windowMs: 600_000, threshold: 20 });
      out.push({ key: `ato:${e.appId}:${login}`, member: ip, windowMs: 600_000, threshold: 10 });
    }
  } else if (e.type === 'attack') {
    out.push({ key: `af:${e.appId}:${ip}`, member: id, windowMs: 60_000, threshold: 20 });
    out.push({ key: `sc1:${e.appId}:${ip}`, member: (e.attack as { category: string }).category, windowMs: 300_000, threshold: 5 });
  } else if (e.type === 'request' && (e.request as { status?: number } | undefined)?.status === 404) {
    out.push({ key: `sc2:${e.appId}:${ip}`, member: String((e.request as { path?: string }).path), windowMs: 300_000, threshold: 30 });
  }
  void time;
  return out;
}

/** Processes the records through Redis windows; returns how many windows crossed their threshold. */
export async function redisWindows(redis: Redis, records: readonly ShardRecord[], prefix: string, batchSize = 1000): Promise<number> {
  let detections = 0;
  for (let start = 0; start < records.length; start += batchSize) {
    const pipeline = redis.pipeline();
    const uses: WindowUse[] = [];
    for (let i = start; i < Math.min(records.length, start + batchSize); i++) {
      const record = records[i] as ShardRecord;
      const decoded = decodeEvent(record.data);
      if (!decoded.ok) continue;
      const e = decoded.event as unknown as Parameters<typeof windowsOf>[0];
      for (const w of windowsOf(e, decoded.time, record.sequenceNumber)) {
        const key = prefix + w.key;
        pipeline.zadd(key, decoded.time, w.member);
        pipeline.zremrangebyscore(key, '-inf', decoded.time - w.windowMs);
        pipeline.zcard(key);
        pipeline.pexpire(key, w.windowMs);
        uses.push(w);
      }
    }
    const results = (await pipeline.exec()) ?? [];
    uses.forEach((w, k) => {
      const count = results[k * 4 + 2]?.[1];
      if (typeof count === 'number' && count >= w.threshold) detections++;
    });
  }
  return detections;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
