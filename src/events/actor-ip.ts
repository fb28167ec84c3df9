/**
 * Who an IP address is, as an actor: one text per actor, whatever form the agent wrote it in. IPv4
 * is keyed per address; IPv6 by its network under a prefix (default /64), since one host — one
 * attacker — holds a whole /64 and rotates through it freely. Windows group by this key, distinct
 * counts count it, and a response's IP target is it: `2001:db8:1:2::/64`, a range agents enforce.
 *
 * The canonical forms are the agent's own (packages/agent/src/ip.ts), so what the engine names is
 * exactly what an agent matches; that module has no dependency and is compiled into the server.
 */
import { ipNetworkOf } from '../../packages/agent/src/ip';

export const DEFAULT_IPV6_PREFIX = 64;

/**
 * The last IPv6 address keyed, with its prefix and key: one event asks for its actor's key once per
 * detector group key, distinct field and target, and the allowlist once more, and a parse costs
 * about 1 µs where an IPv4 key costs 12 ns. One entry holds the event in hand; it is module state,
 * but a pure function's memo: what it answers does not depend on who asked before.
 */
let lastIp = '';
let lastPrefix = -1;
let lastKey: string | undefined;

/**
 * The actor key of `ip` (an address the event schema accepted), or undefined when it is not one.
 * An IPv4 address that isIPv4 took is already canonical: the common case costs one indexOf.
 */
export function actorIpKey(ip: string, ipv6Prefix: number): string | undefined {
  if (ip.indexOf(':') === -1) return ip;
  if (ip === lastIp && ipv6Prefix === lastPrefix) return lastKey;
  const key = ipNetworkOf(ip, ipv6Prefix);
  lastIp = ip;
  lastPrefix = ipv6Prefix;
  lastKey = key;
  return key;
}
