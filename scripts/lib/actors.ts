/**
 * Who the simulation plays: benign users (with their home, mobile and office addresses) and the
 * addresses attackers come from. Benign addresses are taken from 198.18.0.0/15 (the benchmarking
 * range), attackers from the three documentation ranges, then 100.64.0.0/10: an operator reading
 * a ban can tell at a glance which side it hit.
 */
import type { Random } from './random';

const ATTACKER_NETS = ['192.0.2', '198.51.100', '203.0.113'] as const;

/** Hands out addresses never handed out before in this run, and never one of `reserved`. */
export class AddressBook {
  readonly #used: Set<string>;

  constructor(
    private readonly random: Random,
    reserved: Iterable<string> = [],
  ) {
    this.#used = new Set(reserved);
  }

  benign(): string {
    return this.#take(() => `198.${this.random.int(18, 19)}.${this.random.int(0, 255)}.${this.random.int(1, 254)}`);
  }

  attacker(): string {
    // The documentation ranges hold 762 addresses; a long benchmark moves on to a bigger range.
    const small = this.#used.size < 400;
    return this.#take(() => (small ? `${this.random.pick(ATTACKER_NETS)}.${this.random.int(1, 254)}` : `100.${this.random.int(64, 127)}.${this.random.int(0, 255)}.${this.random.int(1, 254)}`));
  }

  #take(make: () => string): string {
    for (let i = 0; i < 10_000; i++) {
      const ip = make();
      if (!this.#used.has(ip)) {
        this.#used.add(ip);
        return ip;
      }
    }
    throw new Error('no unused address left in the simulation ranges');
  }
}

export interface BenignUser {
  login: string;
  /** Where this user connects from: home, sometimes a phone, sometimes a shared office address. */
  ips: string[];
}

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yolanda'];

/**
 * How many benign users make `rate` events per second: one action every two seconds or so each, as
 * people browse. A fixed population at a high rate would make every user (and every shared office
 * address) implausibly busy, and their typos would add up to a brute force.
 */
export function benignUserCount(rate: number): number {
  return Math.max(40, Math.ceil(rate * 2));
}

/**
 * `size` users. A fifth of them also work from one of a few offices, whose address they share: the
 * office sees several users' logins and the odd typo from one IP, which must stay below every
 * threshold.
 */
export function benignUsers(random: Random, book: AddressBook, size: number): BenignUser[] {
  const offices = Array.from({ length: Math.max(1, Math.round(size / 20)) }, () => book.benign());
  return Array.from({ length: size }, (_, i) => {
    const ips = [book.benign()];
    if (random.chance(0.3)) ips.push(book.benign());
    if (random.chance(0.2)) ips.push(random.pick(offices));
    return { login: `${NAMES[i % NAMES.length]}${i >= NAMES.length ? Math.floor(i / NAMES.length) : ''}@example.com`, ips };
  });
}

const PAGES = ['/', '/products', '/products/42', '/products/7', '/cart', '/search?q=shoes', '/account', '/help', '/blog/launch'];
/** What browsers and stale links ask for: a handful of distinct missing paths, far below any scanner threshold. */
const BENIGN_MISSES = ['/favicon.ico', '/apple-touch-icon.png', '/blog/old-post', '/products/999'];
const BROWSERS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15', 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile'];

export type SimEvent = Record<string, unknown>;

/**
 * Everyday traffic: page views, API calls, logins that succeed (sometimes after one typo), a few
 * 404s. Each call is one user action: one event, or two (a typo, then the login that works).
 */
export function benignAction(random: Random, users: readonly BenignUser[]): SimEvent[] {
  const user = random.pick(users);
  const actor = { ip: random.pick(user.ips), userAgent: BROWSERS[user.login.length % BROWSERS.length] };
  const roll = random.next();
  if (roll < 0.1) {
    const success: SimEvent = { type: 'login_success', actor, user: { login: user.login }, request: { method: 'POST', path: '/login', status: 200 } };
    if (!random.chance(0.1)) return [success];
    return [{ type: 'login_failure', actor, user: { login: user.login }, request: { method: 'POST', path: '/login', status: 401 } }, success];
  }
  if (roll < 0.14) return [{ type: 'request', actor, request: { method: 'GET', path: random.pick(BENIGN_MISSES), status: 404 } }];
  if (roll < 0.3) return [{ type: 'request', actor, user: { login: user.login }, request: { method: 'POST', path: '/api/cart', status: 200 } }];
  return [{ type: 'request', actor, request: { method: 'GET', path: random.pick(PAGES), status: 200 } }];
}

/**
 * Plays benign actions at `rate` events per second through `report` while `keepGoing()` holds;
 * resolves with the number of events reported.
 */
export async function playBenignTraffic(random: Random, users: readonly BenignUser[], rate: number, report: (event: SimEvent) => void, keepGoing: () => boolean): Promise<number> {
  const from = Date.now();
  let events = 0;
  while (keepGoing()) {
    const due = Math.floor(((Date.now() - from) / 1000) * rate);
    while (events < due) {
      for (const event of benignAction(random, users)) {
        report(event);
        events += 1;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return events;
}
