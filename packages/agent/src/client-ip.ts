/**
 * Which address is the client. A ban is only as good as this answer: if the agent believed any
 * `X-Forwarded-For`, an attacker would evade a ban by sending one, or get someone else banned by
 * naming them in one. So, as Express does (through proxy-addr, the same algorithm here in its
 * maintained fork), the header is read from the right, one hop at a time, and only through proxies
 * the application declares: the first address not a trusted proxy is the client.
 *
 * `trustProxy`:
 * - `false` (default): the socket's peer is the client; the header is ignored.
 * - a number N: the N nearest hops are proxies (e.g. 1 behind one load balancer).
 * - addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal` (a list or a comma-separated
 *   string): hops from these are proxies.
 * - a function `(address, hop) => boolean`.
 * `true` (trust every hop) is refused: it hands the choice of client address to the client.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from '@fastify/proxy-addr';
import { canonicalIp } from './ip';
import { optionError } from './option-error';

export type TrustProxy = boolean | number | string | readonly string[] | ((address: string, hop: number) => boolean);

export type ClientIpOf = (req: IncomingMessage) => string | undefined;

/** The trust function proxy-addr asks about each hop, or undefined when no hop is trusted. */
function compileTrust(trust: TrustProxy | undefined): ((address: string, hop: number) => boolean) | undefined {
  if (trust === undefined || trust === false || trust === 0) return undefined;
  if (trust === true) {
    throw optionError('trustProxy', trust, 'the number of proxy hops in front of the application, or their addresses (e.g. 1, or "10.0.0.0/8")', 'trusting every hop lets any client choose its own address, and evade a ban with one header');
  }
  if (typeof trust === 'function') return trust;
  if (typeof trust === 'number') {
    if (!Number.isInteger(trust) || trust < 0 || trust > 32) throw optionError('trustProxy', trust, 'a whole number of hops from 0 to 32');
    return (_address, hop) => hop < trust;
  }
  const list = typeof trust === 'string' ? trust.split(',').map((s) => s.trim()) : [...trust];
  try {
    return proxyaddr.compile(list.filter((s) => s !== ''));
  } catch (error) {
    throw optionError('trustProxy', trust, 'addresses, CIDR ranges, or loopback, linklocal, uniquelocal', (error as Error).message);
  }
}

/** `(req) => the client's canonical address`, undefined when the socket has none (it closed). */
export function clientIpResolver(trust: TrustProxy | undefined, onTrustError: (error: unknown) => void = () => undefined): ClientIpOf {
  const trusted = compileTrust(trust);
  if (trusted === undefined) {
    return (req) => {
      const address = req.socket.remoteAddress;
      return address === undefined ? undefined : canonicalIp(address);
    };
  }
  return (req) => {
    if (req.socket.remoteAddress === undefined) return undefined;
    let address: string;
    try {
      address = proxyaddr(req, trusted);
    } catch (error) {
      // The application's own trust function threw: the peer is the one address nobody forged.
      onTrustError(error);
      address = req.socket.remoteAddress;
    }
    return canonicalIp(address);
  };
}
