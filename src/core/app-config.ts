/**
 * What the engine runs for one application, and where it gets it. The types live here, below the
 * engine and the adapters that produce them (engine/app-settings.ts from a settings file, the
 * registry, playbooks), so that each side depends on core rather than on the other.
 */
import type { ResolvedDetector } from './detector';

export interface RepeatOffenderPolicy {
  /** Each prior response to the target within the look-back multiplies the duration by this. */
  factor: number;
  lookbackSeconds: number;
  maxDurationSeconds: number;
}

/** What the engine runs for one application. */
export interface AppConfig {
  detectors: readonly ResolvedDetector[];
  allowlist: { ips: readonly string[]; users: readonly string[] };
  repeatOffenders: RepeatOffenderPolicy;
  /**
   * IPv6 actors are keyed, counted and answered by their network under this prefix length: one host
   * holds a whole /64 and rotates through it. 128 keys each address; IPv4 is always per address.
   */
  ipv6Prefix: number;
}

/** Where the engine gets an application's configuration; called once per batch per application. */
export interface AppConfigSource {
  forApp(appId: string): AppConfig;
}
