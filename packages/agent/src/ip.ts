/**
 * Addresses and ranges as Riposte names them. A response's IP target is the canonical text of one
 * address (`203.0.113.7`, `2001:db8::7`) or a range in CIDR form (`2001:db8:1:2::/64`: Riposte groups
 * IPv6 clients by prefix, since one host holds a whole /64). The agent keys what it enforces on the
 * same canonical text, so `2001:DB8:0::7` from a proxy header and `::ffff:203.0.113.7` from a dual-stack
 * socket meet the responses that name `2001:db8::7` and `203.0.113.7`.
 *
 * Canonical: IPv4 as a dotted quad; IPv6 as RFC 5952 (lowercase, no leading zeros, the first longest
 * run of two or more zero groups compressed), an IPv4-mapped IPv6 address as its IPv4 address.
 *
 * Node's `isIPv4`/`isIPv6` decide what is an address (the same checks Riposte's event schema makes).
 * The parsing after them is written here because it is on the request path: ipaddr.js, the library
 * for it, takes ~7 µs to canonicalise an IPv6 address (a regular expression per group) where this
 * takes a few hundred nanoseconds. A property test holds it to the WHATWG URL serializer's output.
 */
import { isIPv4, isIPv6 } from 'node:net';

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/**
 * The eight 16-bit groups of `text`, which isIPv6 accepted; a zone id (`%eth0`) is left out. One
 * pass over the characters: this runs on every request from an IPv6 client.
 */
function ipv6Groups(text: string): number[] {
  const zone = text.indexOf('%');
  const end = zone === -1 ? text.length : zone;
  const groups: number[] = [];
  let gap = -1; // where "::" stands, in groups
  let i = 0;
  if (text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let j = i;
    for (let d = hexDigit(text.charCodeAt(j)); j < end && d !== -1; d = hexDigit(text.charCodeAt(++j))) value = value * 16 + d;
    if (text.charCodeAt(j) === 46) {
      // "." : the rest, from this group on, is an IPv4 address.
      const [a, b, c, e] = text.slice(i, end).split('.').map(Number) as [number, number, number, number];
      groups.push((a << 8) | b, (c << 8) | e);
      break;
    }
    groups.push(value);
    if (j >= end) break;
    if (text.charCodeAt(j + 1) === 58) {
      gap = groups.length;
      j += 1;
    }
    i = j + 1;
  }
  if (gap !== -1) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  return groups;
}

function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += (groups[i] as number).toString(16);
  }
  return text;
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
}

function mappedIpv4(groups: readonly number[]): string {
  const [hi, lo] = [groups[6] as number, groups[7] as number];
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The canonical text of an address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  if (isIPv4(text)) return text; // isIPv4 takes only dotted quads without leading zeros: already canonical
  if (!isIPv6(text)) return undefined;
  const groups = ipv6Groups(text);
  return isIpv4Mapped(groups) ? mappedIpv4(groups) : formatIpv6(groups);
}

/**
 * The canonical text naming the /`bits` network of an IPv6 address (as canonicalIp returns it):
 * `2001:db8:1:2::/64`, or the address itself when `bits` is 128. Riposte's engine keys IPv6 actors by
 * it, so its responses name exactly the ranges parseIpTarget reads here.
 */
export function ipv6Network(canonical: string, bits: number): string {
  if (bits >= 128) return canonical;
  return networkText(ipv6Groups(canonical), bits);
}

/**
 * What canonicalIp then ipv6Network give for an address in any form — its IPv4 address when it is
 * IPv4 or IPv4-mapped, else its /`bits` network — from one parse and one format (the engine's actor
 * key, once per IPv6 event), or undefined when `text` is not an address.
 */
export function ipNetworkOf(text: string, bits: number): string | undefined {
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return undefined;
  const groups = ipv6Groups(text);
  if (isIpv4Mapped(groups)) return mappedIpv4(groups);
  return bits >= 128 ? formatIpv6(groups) : networkText(groups, bits);
}

/** `groups` masked to their first `bits` (in place), as the network's text. */
function networkText(groups: number[], bits: number): string {
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    groups[i] = keep === 0 ? 0 : (groups[i] as number) & ((0xffff << (16 - keep)) & 0xffff);
  }
  return `${formatIpv6(groups)}/${bits}`;
}

export type IpFamily = 4 | 6;

/** The bytes of a canonical address (as canonicalIp returns it). */
export function addressBytes(canonical: string): { family: IpFamily; bytes: number[] } {
  if (!canonical.includes(':')) return { family: 4, bytes: canonical.split('.').map(Number) };
  const groups = ipv6Groups(canonical);
  const bytes = new Array<number>(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = (groups[i] as number) >> 8;
    bytes[2 * i + 1] = (groups[i] as number) & 0xff;
  }
  return { family: 6, bytes };
}

export type IpTarget =
  | { kind: 'address'; key: string }
  /** `group` names the family and prefix length; `key` the network within it. */
  | { kind: 'range'; family: IpFamily; bits: number; group: string; key: string };

/** The group of ranges of one family and prefix length. */
export function rangeGroup(family: IpFamily, bits: number): string {
  return `${family}/${bits}`;
}

/** The network's bytes under `bits`, as hex: equal for every address of the range. */
export function networkKey(bytes: readonly number[], bits: number): string {
  let key = '';
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const byte = keep === 0 ? 0 : (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
    key += byte < 16 ? `0${byte.toString(16)}` : byte.toString(16);
  }
  return key;
}

/** What a response's `target.value` of type `ip` names; undefined when it is neither an address nor a range. */
export function parseIpTarget(value: string): IpTarget | undefined {
  const slash = value.indexOf('/');
  if (slash === -1) {
    const key = canonicalIp(value);
    return key === undefined ? undefined : { kind: 'address', key };
  }
  const address = canonicalIp(value.slice(0, slash));
  const bitsText = value.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const { family, bytes } = addressBytes(address);
  // An IPv4-mapped range (::ffff:203.0.113.0/120) was turned into its IPv4 address above.
  let bits = Number(bitsText);
  if (family === 4 && value.slice(0, slash).includes(':')) bits -= 96;
  const max = family === 4 ? 32 : 128;
  if (bits < 0 || bits > max) return undefined;
  if (bits === max) return { kind: 'address', key: address };
  return { kind: 'range', family, bits, group: rangeGroup(family, bits), key: networkKey(bytes, bits) };
}
