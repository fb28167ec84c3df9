/**
 * One application as a shard processor sees it: its detectors compiled and indexed by event type,
 * its allowlist, and its repeat-offender policy. Rebuilt when the application's configuration
 * changes, keeping the window state of every detector whose plan did not change.
 */
import { BlockList, isIP } from 'node:net';
import type { AppConfig } from '../config/app-config';
import { EVENT_TYPES, type EventType, type RiposteEvent } from '../events/schema';
import { addToBlockList } from '../events/match';
import type { WindowBudget } from '../window/keyed';
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
  private readonly allowIps: BlockList | null;
  private readonly allowUsers: ReadonlySet<string> | null;

  constructor(
    readonly appId: string,
    readonly config: AppConfig,
    /** Event ids seen recently in this application (see DedupIndex). */
    readonly seenIds: Map<string, number>,
    budget: WindowBudget,
    latenessMs: number,
    previous: AppContext | undefined,
  ) {
    const kept = new Map(previous?.detectors.map((d) => [d.resolved.fingerprint, d]));
    this.detectors = config.detectors.map((resolved) => kept.get(resolved.fingerprint) ?? compileDetector(resolved, budget, latenessMs));
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
    if (ips.length > 0) {
      const list = new BlockList();
      for (const entry of ips) {
        const problem = addToBlockList(list, entry);
        if (problem !== null) throw new Error(`apps.${appId}.allowlist.ips: ${problem}`);
      }
      this.allowIps = list;
    } else {
      this.allowIps = null;
    }
    this.allowUsers = users.length > 0 ? new Set(users) : null;
  }

  /** Events from allowlisted IPs or users are not counted, so they can never be answered. */
  allowlisted(event: RiposteEvent): boolean {
    if (this.allowIps !== null) {
      const ip = event.actor.ip;
      if (this.allowIps.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')) return true;
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
