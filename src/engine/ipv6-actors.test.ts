/**
 * IP actors (README, "What makes it correct": IP actors): one key per address whatever its text
 * form, and IPv6 by its network under the application's prefix (default /64), in windows,
 * allowlists and responses.
 */
import { parseSettings, resolveAppConfig, StaticAppConfigSource } from './app-settings';
import { ShardProcessor } from './processor';
import { loginFailure, times, toRecords } from '../testing/factories';
import { builtInDetectors } from '../../detectors';

function processorFor(settings: Record<string, unknown> = {}) {
  const config = new StaticAppConfigSource(builtInDetectors, parseSettings({ apps: { 'app-1': settings } }, builtInDetectors));
  return new ShardProcessor({ shardId: 'shardId-000000000000', config });
}

async function bans(ips: readonly string[], settings: Record<string, unknown> = {}): Promise<string[]> {
  const { responses } = await processorFor(settings).processBatch(toRecords(ips.map((ip, i) => loginFailure({ ip, at: i }))));
  return responses.filter((r) => r.detector === 'login-brute-force').map((r) => `${r.target.type}:${r.target.value}`);
}

const inOneSlash64 = times(10, (i) => `2001:db8:1:2:${(i * 4099).toString(16)}:${i + 1}:0:${(7 * i).toString(16)}`);

it.each([
  ['an attacker rotating through one IPv6 /64 is one actor, banned as its /64', inOneSlash64, {}, ['ip:2001:db8:1:2::/64']],
  ['…and not when the application keys each IPv6 address', inOneSlash64, { ipv6Prefix: 128 }, []],
  ['an application may key IPv6 by a shorter prefix', times(10, (i) => `2001:db8:1:${i}::1`), { ipv6Prefix: 48 }, ['ip:2001:db8:1::/48']],
  ['the text forms of one IPv6 address are one actor', times(10, (i) => ['2001:DB8::7', '2001:db8:0:0:0:0:0:7', '2001:0db8::0007'][i % 3] as string), { ipv6Prefix: 128 }, ['ip:2001:db8::7']],
  ['an IPv4-mapped IPv6 address is its IPv4 address', times(10, (i) => (i % 2 === 0 ? '203.0.113.7' : '::ffff:203.0.113.7')), {}, ['ip:203.0.113.7']],
  ['IPv4 stays per address', times(10, (i) => `203.0.113.${i + 1}`), {}, []],
  ['two /64s are two actors', times(10, (i) => `2001:db8:1:${i % 2}::${i + 1}`), {}, []],
  ['an allowlisted IPv6 address keeps its /64 from being banned, in any text form', inOneSlash64, { allowlist: { ips: ['2001:DB8:1:2::9'] } }, []],
  ['an allowlisted range inside the /64 too', inOneSlash64, { allowlist: { ips: ['2001:db8:1:2:ffff::/80'] } }, []],
  ['an allowlisted address in another /64 does not', inOneSlash64, { allowlist: { ips: ['2001:db8:1:3::9'] } }, ['ip:2001:db8:1:2::/64']],
])('%s', async (_name, ips, settings, expected) => {
  expect(await bans(ips, settings)).toEqual(expected);
});

it('counts the IPv6 addresses of one /64 as one among distinct values (account takeover)', async () => {
  const user = 'alice@example.com';
  const { responses } = await processorFor().processBatch(toRecords(inOneSlash64.map((ip, i) => loginFailure({ ip, login: user, at: i * 7 }))));
  // Ten failures 7 s apart from one /64: too slow for brute force, and one address, not ten, for account takeover.
  expect(responses.map((r) => r.detector)).toEqual([]);
  const spread = await processorFor().processBatch(toRecords(times(10, (i) => loginFailure({ ip: `2001:db8:${i}::1`, login: user, at: i * 7 }))));
  expect(spread.responses.map((r) => [r.detector, r.target.value])).toEqual([['account-takeover', user]]);
});

it('refuses a prefix that would lump a provider’s customers together, naming the key', () => {
  expect(() => parseSettings({ apps: { shop: { ipv6Prefix: 16 } } }, builtInDetectors)).toThrow(/apps\.shop\.ipv6Prefix: .*32/);
  expect(resolveAppConfig('apps.shop', builtInDetectors, { ipv6Prefix: 56 }, {}).ipv6Prefix).toBe(56);
});
