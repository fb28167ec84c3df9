import { addressBytes, canonicalIp, ipNetworkOf, ipv6Network, networkKey, parseIpTarget } from '../src/ip';

describe('canonicalIp', () => {
  test.each([
    ['an IPv4 address is kept as it is', '203.0.113.7', '203.0.113.7'],
    ['an IPv6 address is lowercased and compressed (RFC 5952)', '2001:DB8:0:0:0:0:0:7', '2001:db8::7'],
    ['the longest run of zeros is the one compressed', '2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['an IPv4-mapped IPv6 address (a dual-stack socket) is its IPv4 address', '::ffff:203.0.113.7', '203.0.113.7'],
    ['loopback IPv6', '0:0:0:0:0:0:0:1', '::1'],
    ['IPv4 with leading zeros is not an address', '203.0.113.07', undefined],
    ['a host name is not an address', 'example.com', undefined],
    ['an empty string is not an address', '', undefined],
    ['a range is not an address', '203.0.113.0/24', undefined],
  ])('%s', (_name, input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });
});

describe('parseIpTarget', () => {
  test.each([
    ['a bare IPv4 address', '203.0.113.7', { kind: 'address', key: '203.0.113.7' }],
    ['a bare IPv6 address, canonicalised', '2001:DB8::7', { kind: 'address', key: '2001:db8::7' }],
    ['an IPv6 /64, as Riposte groups IPv6 clients', '2001:db8:1:2::/64', { kind: 'range', family: 6, bits: 64, group: '6/64', key: '20010db8000100020000000000000000' }],
    ['an IPv4 /24', '198.51.100.0/24', { kind: 'range', family: 4, bits: 24, group: '4/24', key: 'c6336400' }],
    ['host bits of a range are ignored', '198.51.100.77/24', { kind: 'range', family: 4, bits: 24, group: '4/24', key: 'c6336400' }],
    ['a /32 is one address', '198.51.100.7/32', { kind: 'address', key: '198.51.100.7' }],
    ['a /128 is one address', '2001:db8::7/128', { kind: 'address', key: '2001:db8::7' }],
    ['an IPv4-mapped range is the IPv4 range', '::ffff:198.51.100.0/120', { kind: 'range', family: 4, bits: 24, group: '4/24', key: 'c6336400' }],
  ])('%s', (_name, value, expected) => {
    expect(parseIpTarget(value)).toEqual(expected);
  });

  test.each([
    ['a prefix longer than the address', '198.51.100.0/33'],
    ['a prefix that is not a number', '2001:db8::/x'],
    ['two slashes', '2001:db8::/64/1'],
    ['not an address', 'alice@example.com'],
  ])('%s is not a target', (_name, value) => {
    expect(parseIpTarget(value)).toBeUndefined();
  });
});

describe('ipv6Network (how Riposte names the range of an IPv6 actor)', () => {
  test.each([
    ['a /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64, '2001:db8:1:2::/64'],
    ['a /56 cuts inside a group', '2001:db8:1:2ff::1', 56, '2001:db8:1:200::/56'],
    ['a /48', '2001:db8:1:2::1', 48, '2001:db8:1::/48'],
    ['a network of zeros', '::1', 64, '::/64'],
    ['a /128 is the address', '2001:db8::7', 128, '2001:db8::7'],
  ])('%s', (_name, address, bits, expected) => {
    expect(ipv6Network(address, bits)).toBe(expected);
  });

  test.each([48, 56, 64, 96, 127])('names a /%i range the agent reads back as the one holding the address', (bits) => {
    const address = '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff';
    expect(parseIpTarget(ipv6Network(address, bits))).toMatchObject({ kind: 'range', bits, key: networkKey(addressBytes(address).bytes, bits) });
  });
});

describe('ipNetworkOf (one parse for what canonicalIp then ipv6Network give)', () => {
  const forms = ['2001:DB8:1:2:aaaa:0:0:7', '2001:db8:1:2::7', '::ffff:203.0.113.7', '203.0.113.7', '::1', 'fe80::1:2:3:4', 'example.com', '2001:db8::g'];
  test.each(forms.flatMap((ip) => [33, 48, 56, 64, 127, 128].map((bits) => [ip, bits] as const)))('%s at /%i', (ip, bits) => {
    const canonical = canonicalIp(ip);
    const expected = canonical === undefined || !canonical.includes(':') ? canonical : ipv6Network(canonical, bits);
    expect(ipNetworkOf(ip, bits)).toBe(expected);
  });
});
