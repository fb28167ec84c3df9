/**
 * canonicalIp against an independent serializer: the WHATWG URL parser's (Node's own), which writes
 * IPv6 hosts the RFC 5952 way. Addresses are generated as groups, rich in zeros, then written in the
 * many ways IPv6 allows: leading zeros, upper case, any zero run compressed, an IPv4 tail.
 */
import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { addressBytes, canonicalIp } from '../src/ip';

const group = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xffff }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xf }) });

interface Written {
  groups: number[];
  text: string;
}

const written: fc.Arbitrary<Written> = fc
  .record({
    groups: fc.array(group, { minLength: 8, maxLength: 8 }),
    pad: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    upper: fc.boolean(),
    ipv4Tail: fc.boolean(),
    compress: fc.nat(),
  })
  .map(({ groups, pad, upper, ipv4Tail, compress }) => {
    let parts = groups.map((g, i) => {
      const hex = g.toString(16);
      return pad[i] === true ? hex.padStart(4, '0') : hex;
    });
    if (ipv4Tail) {
      const [hi, lo] = [groups[6] as number, groups[7] as number];
      parts = [...parts.slice(0, 6), `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`];
    }
    // Compress one run of zero groups, if there is one (any of them, not only the longest).
    const runs: [number, number][] = [];
    for (let i = 0; i < 6 + (ipv4Tail ? 0 : 2); i++) {
      if (groups[i] !== 0) continue;
      let j = i;
      while (j < (ipv4Tail ? 6 : 8) && groups[j] === 0) j++;
      runs.push([i, j]);
      i = j;
    }
    let text = parts.join(':');
    const run = runs.length === 0 ? undefined : runs[compress % (runs.length + 1)];
    if (run !== undefined) text = `${parts.slice(0, run[0]).join(':')}::${parts.slice(ipv4Tail && run[1] === 6 ? 6 : run[1]).join(':')}`;
    return { groups, text: upper ? text.toUpperCase() : text };
  });

/** The URL serializer's form, with an IPv4-mapped address as its IPv4 address (Riposte's choice). */
function expected(groups: readonly number[]): string {
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  const full = groups.map((g) => g.toString(16)).join(':');
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}

test('canonicalIp writes every IPv6 address the way the URL serializer does, however it was written', () => {
  fc.assert(
    fc.property(written, ({ groups, text }) => {
      expect(isIPv6(text)).toBe(true);
      expect(canonicalIp(text)).toBe(expected(groups));
    }),
    { numRuns: 5000 },
  );
});

test('addressBytes gives back the groups of a canonical IPv6 address', () => {
  fc.assert(
    fc.property(written, ({ groups, text }) => {
      const canonical = canonicalIp(text) as string;
      fc.pre(canonical.includes(':'));
      expect(addressBytes(canonical)).toEqual({ family: 6, bytes: groups.flatMap((g) => [g >> 8, g & 0xff]) });
    }),
    { numRuns: 2000 },
  );
});

test.each([
  ['IPv4-compatible (deprecated) stays IPv6', '::1.2.3.4', '::102:304'],
  ['IPv4-mapped becomes IPv4', '::FFFF:1.2.3.4', '1.2.3.4'],
  ['a zone id is left out', 'fe80::1%eth0', 'fe80::1'],
  ['all zeros', '0:0:0:0:0:0:0:0', '::'],
  ['the first of two equal runs is compressed', '1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
  ['a single zero group is not compressed', '1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
])('%s', (_name, text, canonical) => {
  expect(canonicalIp(text)).toBe(canonical);
});
