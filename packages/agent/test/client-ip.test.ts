/**
 * Which address is the client, over real connections from distinct loopback addresses: a forged
 * X-Forwarded-For can neither hide an attacker's address nor put someone else's in its place.
 * 127.0.0.10 plays the application's proxy, 10.1.2.3 an inner proxy behind it.
 */
import { clientIpResolver, type TrustProxy } from '../src/client-ip';
import { AgentOptionError } from '../src/option-error';
import { listen, send, type Loopback } from './loopback';

const ATTACKER = '127.0.0.66';
const PROXY = '127.0.0.10';
const VICTIM = '203.0.113.9';
const REAL = '198.51.100.1';

let server: Loopback;
let resolve: (req: import('node:http').IncomingMessage) => string | undefined;

beforeAll(async () => {
  server = await listen((req, res) => res.end(String(resolve(req))));
});
afterAll(() => server.close());

async function clientOf(trust: TrustProxy | undefined, from: string, xff?: string): Promise<string> {
  resolve = clientIpResolver(trust);
  return (await send(server.url, { from, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })).body;
}

describe('the client address, X-Forwarded-For and the proxies the application trusts', () => {
  test.each<[string, TrustProxy | undefined, string, string | undefined, string]>([
    ['no proxy: the peer is the client', undefined, ATTACKER, undefined, ATTACKER],
    ['no proxy: a forged header does not hide the attacker', undefined, ATTACKER, REAL, ATTACKER],
    ['no proxy: a forged header does not frame someone else', false, ATTACKER, VICTIM, ATTACKER],
    ['one hop: the proxy says who connected to it', 1, PROXY, REAL, REAL],
    ['one hop: what the client wrote before the proxy appended is ignored', 1, PROXY, `${VICTIM}, ${REAL}`, REAL],
    ['by address: the trusted proxy says who connected', [PROXY], PROXY, REAL, REAL],
    ['by address: a client that is not the proxy is not believed', [PROXY], ATTACKER, VICTIM, ATTACKER],
    ['by address: two proxies, a list as a string', `${PROXY}, 10.0.0.0/8`, PROXY, `${VICTIM}, ${REAL}, 10.1.2.3`, REAL],
    ['two hops: the client is two hops in', 2, PROXY, `${VICTIM}, ${REAL}, 10.1.2.3`, REAL],
    ['loopback as a named range', 'loopback', PROXY, REAL, REAL],
    ['the address a proxy gives is canonicalised', 1, PROXY, '2001:DB8:0::7', '2001:db8::7'],
    ['a hop that is not an address gives no client address', 1, PROXY, 'unknown', 'undefined'],
    ['a function decides which hops are proxies', (address: string) => address === PROXY, PROXY, REAL, REAL],
  ])('%s', async (_name, trust, from, xff, expected) => {
    expect(await clientOf(trust, from, xff)).toBe(expected);
  });

  test('a trust function that throws leaves the peer as the client, and is reported', async () => {
    const errors: unknown[] = [];
    resolve = clientIpResolver(() => {
      throw new Error('broken');
    }, (error) => errors.push(error));
    expect((await send(server.url, { from: PROXY, headers: { 'x-forwarded-for': REAL } })).body).toBe(PROXY);
    expect(errors).toEqual([new Error('broken')]);
  });
});

describe('trustProxy options that cannot be used', () => {
  test.each<[string, unknown, string]>([
    ['true (every hop)', true, 'trusting every hop lets any client choose its own address'],
    ['a negative number of hops', -1, 'a whole number of hops from 0 to 32'],
    ['something that is not an address', ['not-an-ip'], 'addresses, CIDR ranges, or loopback'],
  ])('%s is refused, naming the option', (_name, trust, message) => {
    expect(() => clientIpResolver(trust as TrustProxy)).toThrow(AgentOptionError);
    expect(() => clientIpResolver(trust as TrustProxy)).toThrow(expect.objectContaining({ message: expect.stringContaining('options.trustProxy') }));
    expect(() => clientIpResolver(trust as TrustProxy)).toThrow(message);
  });
});
