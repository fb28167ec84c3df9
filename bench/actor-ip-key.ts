/**
 * The IPv6 actor key per event, before and after keying it from one parse and memoising it per
 * event (src/events/actor-ip.ts). An event asks for it once per detector group key, distinct field
 * and target, and the allowlist once more: KEYS_PER_EVENT times. Reported as a ratio of the two,
 * measured in this process, one after the other, several rounds (npm run bench:actor-ip).
 */
import { canonicalIp, ipv6Network } from '../packages/agent/src/ip';
import { actorIpKey } from '../src/events/actor-ip';

const KEYS_PER_EVENT = 4;
const EVENTS = 200_000;
const ROUNDS = 5;
const PREFIX = 64;

/** Distinct attacker addresses rotating through a /64 and a few /48s, in the forms agents write. */
const ips = Array.from({ length: 4096 }, (_, i) => (i % 3 === 0 ? `2001:DB8:${(i % 7).toString(16)}:0:0:0:${i.toString(16)}:1` : `2001:db8:${(i % 7).toString(16)}::${i.toString(16)}:7`));

/** What actorIpKey did before: canonicalIp, then ipv6Network parsing that text again, every call. */
function oldKey(ip: string, prefix: number): string | undefined {
  if (ip.indexOf(':') === -1) return ip;
  const canonical = canonicalIp(ip);
  if (canonical === undefined || canonical.indexOf(':') === -1) return canonical;
  return ipv6Network(canonical, prefix);
}

function perEvent(key: (ip: string, prefix: number) => string | undefined): { nsPerEvent: number; sink: number } {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let e = 0; e < EVENTS; e++) {
    const ip = ips[e % ips.length] as string;
    for (let k = 0; k < KEYS_PER_EVENT; k++) sink += key(ip, PREFIX)?.length ?? 0;
  }
  return { nsPerEvent: Number(process.hrtime.bigint() - start) / EVENTS, sink };
}

for (const ip of ips) if (oldKey(ip, PREFIX) !== actorIpKey(ip, PREFIX)) throw new Error(`keys differ for ${ip}: ${oldKey(ip, PREFIX)} vs ${actorIpKey(ip, PREFIX)}`);
perEvent(oldKey);
perEvent(actorIpKey); // warm both
const ratios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const before = perEvent(oldKey);
  const after = perEvent(actorIpKey);
  ratios.push(before.nsPerEvent / after.nsPerEvent);
  console.log(`round ${r + 1}: before ${before.nsPerEvent.toFixed(0)} ns/event, after ${after.nsPerEvent.toFixed(0)} ns/event (${KEYS_PER_EVENT} keys per event)`);
}
ratios.sort((a, b) => a - b);
console.log(`IPv6 actor key per event: ${(ratios[Math.floor(ROUNDS / 2)] as number).toFixed(1)}x faster (median of ${ROUNDS} rounds)`);
