/**
 * The attacks the simulator plays, each against the built-in detectors at their default parameters
 * (read from the detectors themselves, so a changed default moves the simulator with it). An attack
 * is a paced list of requests from attacker addresses and the responses it should bring about.
 * Simulated agents report every request and enforce nothing, so an attack that two detectors catch
 * (credential stuffing from one address is also a brute force) shows both responses.
 */
import accountTakeover from '../../detectors/account-takeover';
import attackFlood from '../../detectors/attack-flood';
import credentialStuffing from '../../detectors/credential-stuffing';
import loginBruteForce from '../../detectors/login-brute-force';
import scanner from '../../detectors/scanner';
import type { AddressBook, BenignUser, SimEvent } from './actors';
import type { ExpectationSpec } from './expectation';
import type { Random } from './random';

export interface AttackStep {
  /** Wait before this request, after the previous one. */
  gapMs: number;
  event: SimEvent;
}

export interface AttackPlan {
  name: AttackName;
  /** One line: who does what. */
  summary: string;
  steps: AttackStep[];
  /** The first is the attack's own detection; others are what it also sets off. */
  expectations: ExpectationSpec[];
  /** Addresses and users the attacker controls or aims at (responses on them are not false positives). */
  targets: { ips: string[]; users: string[] };
}

interface AttackContext {
  random: Random;
  book: AddressBook;
  users: readonly BenignUser[];
}

interface AttackKind {
  description: string;
  plan(ctx: AttackContext): Omit<AttackPlan, 'name'>;
}

const bruteForce = loginBruteForce.params.parse({});
const stuffing = credentialStuffing.params.parse({});
const takeover = accountTakeover.params.parse({});
const flood = attackFlood.params.parse({});
const scan = scanner.params.parse({});

const BOT = 'python-requests/2.32.3';
const CATEGORIES = [
  { category: 'sqli', rule: 'sqli-001', path: "/products?id=1' OR '1'='1" },
  { category: 'xss', rule: 'xss-001', path: '/search?q=<script>alert(1)</script>' },
  { category: 'path-traversal', rule: 'lfi-001', path: '/download?file=../../../../etc/passwd' },
  { category: 'command-injection', rule: 'cmdi-001', path: '/ping?host=127.0.0.1;id' },
  { category: 'scanner', rule: 'scan-001', path: '/' },
  { category: 'ssrf', rule: 'ssrf-001', path: '/fetch?url=http://169.254.169.254/latest/meta-data/' },
  { category: 'xxe', rule: 'xxe-001', path: '/import' },
] as const;
const PROBES = ['/.env', '/.git/config', '/wp-login.php', '/wp-admin/', '/phpmyadmin/', '/admin.php', '/backup.zip', '/config.json', '/server-status', '/.aws/credentials', '/actuator/env', '/debug/pprof/', '/cgi-bin/test.cgi', '/xmlrpc.php', '/.DS_Store', '/db.sql'];

const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
const failure = (ip: string, login: string): SimEvent => ({ type: 'login_failure', actor: { ip, userAgent: BOT }, user: { login }, request: { method: 'POST', path: '/login', status: 401 } });
const blocked = (ip: string, c: (typeof CATEGORIES)[number]): SimEvent => ({
  type: 'attack',
  actor: { ip, userAgent: BOT },
  attack: { category: c.category, rule: c.rule, blocked: true },
  request: { method: 'GET', path: c.path, status: 403 },
});
const missing = (ip: string, path: string): SimEvent => ({ type: 'request', actor: { ip, userAgent: BOT }, request: { method: 'GET', path, status: 404 } });
const isType = (type: string) => (e: SimEvent) => e.type === type;
const field = (e: SimEvent, object: string, key: string) => String((e[object] as Record<string, unknown> | undefined)?.[key]);

/** `count` distinct missing paths a scanner walks: well-known probes, then generated ones. */
function probePaths(count: number): string[] {
  const paths = PROBES.slice(0, count);
  for (let i = 0; paths.length < count; i++) paths.push(`/${['old', 'test', 'dev', 'tmp', 'bak'][i % 5]}${Math.floor(i / 5) || ''}/index.php`);
  return paths;
}

export const ATTACKS = {
  'brute-force': {
    description: `one address guesses passwords: ${bruteForce.threshold + 4} failed logins, one every 300 ms (login-brute-force: ${bruteForce.threshold} in ${bruteForce.windowSeconds} s)`,
    plan({ random, book, users }) {
      const ip = book.attacker();
      const logins = ['admin@example.com', random.pick(users).login];
      return {
        summary: `${ip} guesses passwords for ${logins.join(' and ')}`,
        steps: Array.from({ length: bruteForce.threshold + 4 }, (_, i) => ({ gapMs: random.jitter(300, 0.3), event: failure(ip, logins[i % 2] as string) })),
        expectations: [{ detector: 'login-brute-force', action: 'ban', target: { type: 'ip', value: ip }, threshold: bruteForce.threshold, matches: isType('login_failure'), thresholdEvent: `${ordinal(bruteForce.threshold)} login failure` }],
        targets: { ips: [ip], users: [] },
      };
    },
  },
  'credential-stuffing': {
    description: `one address tries ${stuffing.threshold + 4} leaked accounts once each, one every 200 ms (credential-stuffing: ${stuffing.threshold} distinct logins in ${stuffing.windowSeconds} s; it is also a brute force)`,
    plan({ random, book }) {
      const ip = book.attacker();
      const logins = Array.from({ length: stuffing.threshold + 4 }, (_, i) => `leaked.${random.int(1000, 9999)}.${i}@mail.example`);
      return {
        summary: `${ip} tries ${logins.length} leaked logins once each`,
        steps: logins.map((login) => ({ gapMs: random.jitter(200, 0.3), event: failure(ip, login) })),
        expectations: [
          { detector: 'credential-stuffing', action: 'ban', target: { type: 'ip', value: ip }, threshold: stuffing.threshold, matches: isType('login_failure'), distinct: (e) => field(e, 'user', 'login'), thresholdEvent: `${ordinal(stuffing.threshold)} distinct login` },
          { detector: 'login-brute-force', action: 'ban', target: { type: 'ip', value: ip }, threshold: bruteForce.threshold, matches: isType('login_failure'), thresholdEvent: `${ordinal(bruteForce.threshold)} login failure` },
        ],
        targets: { ips: [ip], users: logins },
      };
    },
  },
  scanner: {
    description: `one address probes ${scan.categoryThreshold + 1} attack categories (blocked by the agents) among a few missing paths (scanner: ${scan.categoryThreshold} categories in ${scan.windowSeconds} s)`,
    plan({ random, book }) {
      const ip = book.attacker();
      const categories = CATEGORIES.slice(0, Math.min(CATEGORIES.length, scan.categoryThreshold + 1));
      const events: SimEvent[] = [...categories, ...categories].map((c) => blocked(ip, c));
      for (const path of probePaths(5)) events.splice(random.int(0, events.length), 0, missing(ip, path));
      return {
        summary: `${ip} probes ${categories.map((c) => c.category).join(', ')}`,
        steps: events.map((event) => ({ gapMs: random.jitter(300, 0.3), event })),
        expectations: [{ detector: 'scanner', action: 'ban', target: { type: 'ip', value: ip }, threshold: scan.categoryThreshold, matches: isType('attack'), distinct: (e) => field(e, 'attack', 'category'), thresholdEvent: `${ordinal(scan.categoryThreshold)} distinct attack category` }],
        targets: { ips: [ip], users: [] },
      };
    },
  },
  'path-scan': {
    description: `one address walks ${scan.pathThreshold + 6} paths that do not exist, one every 120 ms (scanner: ${scan.pathThreshold} distinct 404 paths in ${scan.windowSeconds} s)`,
    plan({ random, book }) {
      const ip = book.attacker();
      const paths = random.shuffle(probePaths(scan.pathThreshold + 6));
      return {
        summary: `${ip} walks ${paths.length} missing paths`,
        steps: paths.map((path) => ({ gapMs: random.jitter(120, 0.3), event: missing(ip, path) })),
        expectations: [{ detector: 'scanner', action: 'ban', target: { type: 'ip', value: ip }, threshold: scan.pathThreshold, matches: (e) => e.type === 'request' && field(e, 'request', 'status') === '404', distinct: (e) => field(e, 'request', 'path'), thresholdEvent: `${ordinal(scan.pathThreshold)} distinct missing path` }],
        targets: { ips: [ip], users: [] },
      };
    },
  },
  'account-takeover': {
    description: `${takeover.threshold + 2} addresses of a botnet each fail once to log in as one account, one every 400 ms (account-takeover: ${takeover.threshold} addresses in ${takeover.windowSeconds} s; the user is redirected)`,
    plan({ random, book }) {
      const victim = `cfo.${random.int(100, 999)}@example.com`;
      const ips = Array.from({ length: takeover.threshold + 2 }, () => book.attacker());
      return {
        summary: `${ips.length} addresses fail to log in as ${victim}`,
        steps: ips.map((ip) => ({ gapMs: random.jitter(400, 0.3), event: failure(ip, victim) })),
        expectations: [{ detector: 'account-takeover', action: 'redirect', target: { type: 'user', value: victim }, threshold: takeover.threshold, matches: isType('login_failure'), distinct: (e) => field(e, 'actor', 'ip'), thresholdEvent: `${ordinal(takeover.threshold)} distinct address` }],
        targets: { ips, users: [victim] },
      };
    },
  },
  'attack-flood': {
    description: `one address fires ${flood.threshold + 5} SQL injections, one every 150 ms, all blocked (attack-flood: ${flood.threshold} attacks in ${flood.windowSeconds} s)`,
    plan({ random, book }) {
      const ip = book.attacker();
      return {
        summary: `${ip} fires SQL injections`,
        steps: Array.from({ length: flood.threshold + 5 }, () => ({ gapMs: random.jitter(150, 0.3), event: blocked(ip, CATEGORIES[0]) })),
        expectations: [{ detector: 'attack-flood', action: 'ban', target: { type: 'ip', value: ip }, threshold: flood.threshold, matches: isType('attack'), thresholdEvent: `${ordinal(flood.threshold)} attack` }],
        targets: { ips: [ip], users: [] },
      };
    },
  },
} satisfies Record<string, AttackKind>;

export type AttackName = keyof typeof ATTACKS;
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

export function planAttack(name: AttackName, ctx: AttackContext): AttackPlan {
  return { name, ...ATTACKS[name].plan(ctx) };
}
