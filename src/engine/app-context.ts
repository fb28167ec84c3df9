/**
 * One application as a shard processor sees it: its detectors compiled and indexed by event type,
 * its allowlist, and its repeat-offender policy. Rebuilt when the application's configuration
 * changes, keeping the window state of every detector whose plan did not change.
 */
import { BlockList, isIP } from 'node:net';
import type { AppConfig } from '../core/app-config';
import { EVENT_TYPES, type EventType, type RiposteEvent } from '../events/schema';
import { addToBlockList } from '../events/match';
import { actorIpKey } from '../events/actor-ip';
import type { WindowBudget } from '../window/keyed';
import { AppStats } from './stats';
import { compileDetector, type CompiledDetector, type CompiledSignal } from './compile';

export interface Subscription {
  readonly detector: CompiledDetector;
  readonly signal: CompiledSignal;
}

export class AppContext {
  readonly detectors: readonly CompiledDetector[];
  /** For each event type, the (detector, signal) pairs that may match it. */
  readonly byType: Readonly<Record<EventType, readonly Subscription[]>>;
  readonly maxWindowMs: number;
  /** Kept across configuration reloads: the same object as the shard's stats hold for the application. */
  readonly stats: AppStats;
  private readonly allowIps: BlockList | null;
  /**
   * The IPv6 networks (under the application's prefix) holding an allowlisted address or a range
   * narrower than the prefix: a response to such a network would also block what is allowlisted, so
   * events from anywhere in it are not counted either.
   */
  private readonly allowNetworks: ReadonlySet<string> | null;
  private readonly ipv6Prefix: number;
  private readonly allowUsers: ReadonlySet<string> | null;

  constructor(
    readonly appId: string,
    readonly config: AppConfig,
    /** Event ids seen recently in this application (see DedupIndex). */
    readonly seenIds: Map<string, number>,
    budget: WindowBudget,
    latenessMs: number,
    previous: AppContext | undefined,
    stats: AppStats = previous?.stats ?? new AppStats(),
  ) {
    this.stats = stats;
    // A detector is kept with its windows when neither its plan nor the keys it groups by changed.
    const kept = new Map(previous?.detectors.filter((d) => d.ipv6Prefix === config.ipv6Prefix).map((d) => [d.resolved.fingerprint, d]));
    this.detectors = config.detectors.map((resolved) => kept.get(resolved.fingerprint) ?? compileDetector(resolved, budget, latenessMs, config.ipv6Prefix));
    // Detectors dropped or changed give their window state back to the budget.
    const live = new Set(this.detectors);
    for (const old of previous?.detectors ?? []) {
      if (!live.has(old)) for (const s of old.signals) s.windows.clear();
    }

    const byType = {} as Record<EventType, Subscription[]>;
    for (const type of EVENT_TYPES) byType[type] = [];
    for (const detector of this.detectors) {
      for (const signal of detector.signals) {
        for (const type of signal.match.types) byType[type].push({ detector, signal });
      }
    }
    this.byType = byType;
    this.maxWindowMs = Math.max(0, ...this.detectors.map((d) => d.maxWindowMs));

    const { ips, users } = config.allowlist;
    this.ipv6Prefix = config.ipv6Prefix;
    const networks = new Set<string>();
    if (ips.length > 0) {
      const list = new BlockList();
      for (const entry of ips) {
        const problem = addToBlockList(list, entry);
        if (problem !== null) throw new Error(`apps.${appId}.allowlist.ips: ${problem}`);
        const network = narrowIpv6Network(entry, config.ipv6Prefix);
        if (network !== undefined) networks.add(network);
      }
      this.allowIps = list;
    } else {
      this.allowIps = null;
    }
    this.allowNetworks = networks.size > 0 ? networks : null;
    this.allowUsers = users.length > 0 ? new Set(users) : null;
  }

  /** Events from allowlisted IPs or users are not counted, so they can never be answered. */
  allowlisted(event: RiposteEvent): boolean {
    if (this.allowIps !== null) {
      const ip = event.actor.ip;
      if (this.allowIps.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')) return true;
      if (this.allowNetworks !== null) {
        const key = actorIpKey(ip, this.ipv6Prefix);
        if (key !== undefined && this.allowNetworks.has(key)) return true;
      }
    }
    if (this.allowUsers !== null) {
      const login = event.user?.login;
      if (login !== undefined && this.allowUsers.has(login)) return true;
    }
    return false;
  }

  /** Drops every window of this application (lease lost, or the processor shuts down). */
  clear(): void {
    for (const d of this.detectors) for (const s of d.signals) s.windows.clear();
  }
}

/**
 * The network under `prefix` that holds an IPv6 allowlist entry (an address, or a range with a longer
 * prefix), as actorIpKey names it; undefined for IPv4 and for ranges that hold whole networks (the
 * BlockList already covers every address in those).
 */
function narrowIpv6Network(entry: string, prefix: number): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const bits = slash === -1 ? 128 : Number(entry.slice(slash + 1));
  if (isIP(address) !== 6 || bits <= prefix) return undefined;
  const key = actorIpKey(address, prefix);
  return key !== undefined && key.includes(':') ? key : undefined;
}
