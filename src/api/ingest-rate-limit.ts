/**
 * A fair share of the ingest for every application: a token bucket per application, in events. A
 * request of n events takes n tokens; the bucket refills at `eventsPerSecond` up to `burstEvents`.
 * A request the bucket cannot pay for is refused whole (429 with Retry-After: the time the bucket
 * needs to refill that much), so one application's flood costs the others nothing but the parsing of
 * its bodies: it neither fills the shared write buffer nor the shard the others write to.
 *
 * A request larger than the whole burst is let through when the bucket is full (taking it below
 * zero), else an application with a small burst could never send a full batch. The buckets' arithmetic
 * is src/api/token-buckets.ts, shared with the limit on wrong admin tokens.
 *
 * The rates come from the per-application settings (`ingest: { eventsPerSecond, burstEvents }`, in
 * the registry or RIPOSTE_SETTINGS), so an operator can give a big application more and a noisy one
 * less without a restart.
 */
import { ownEntry } from '../core/own-entry';
import { TokenBuckets } from './token-buckets';

export interface IngestRate {
  eventsPerSecond: number;
  burstEvents: number;
}

/**
 * Generous: above what one shard takes from one application (about 2,900 events/s of 360 bytes with
 * aggregation, its 1 MiB/s), so it binds only on a flood; see docs/ingest.md.
 */
export const DEFAULT_INGEST_RATE: IngestRate = { eventsPerSecond: 5000, burstEvents: 10_000 };

/** The rate of one application; called per request, so it must be cheap. */
export type IngestRateSource = (appId: string) => IngestRate;

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; rate: IngestRate };

/**
 * Applications with a bucket at once: far above any deployment's applications (each is one the
 * registry holds, since only its token reaches the limiter), there so the table is bounded by
 * construction. A bucket refilled to its burst is dropped anyway (token-buckets.ts), so the table holds
 * only the applications that sent in the last few seconds.
 */
const MAX_APPLICATIONS = 100_000;

export class IngestRateLimiter {
  readonly #buckets: TokenBuckets;
  /** Events refused, per application, for /metrics. */
  readonly refused = new Map<string, number>();

  constructor(
    private readonly rateOf: IngestRateSource,
    clock: () => number = Date.now,
  ) {
    this.#buckets = new TokenBuckets(MAX_APPLICATIONS, clock);
  }

  take(appId: string, events: number): RateDecision {
    const rate = this.rateOf(appId);
    const retryAfterSeconds = this.#buckets.take(appId, { perSecond: rate.eventsPerSecond, burst: rate.burstEvents }, events);
    if (retryAfterSeconds === 0) return { ok: true };
    this.refused.set(appId, (this.refused.get(appId) ?? 0) + events);
    return { ok: false, retryAfterSeconds, rate };
  }
}

type IngestSettings = { eventsPerSecond?: unknown; burstEvents?: unknown } | undefined;

export interface RateSettings {
  /** The applications of the registry, each with its settings (validated when stored). */
  apps(): ReadonlyMap<string, { settings: Record<string, unknown> }>;
  /** RIPOSTE_SETTINGS: `defaults` for every application, `apps` for those the registry has no record of. */
  base?: { defaults?: { ingest?: IngestSettings }; apps?: Record<string, { ingest?: IngestSettings }> };
}

/**
 * Each application's rate from its settings, as the engine reads its detector settings: the built-in
 * default, then `defaults.ingest`, then the application's own `ingest` (its registry record, or else
 * its entry in the settings file).
 */
export function rateFromSettings(settings: RateSettings): IngestRateSource {
  const defaults = merge(DEFAULT_INGEST_RATE, settings.base?.defaults?.ingest);
  return (appId) => {
    const record = settings.apps().get(appId);
    const own = record !== undefined ? (record.settings.ingest as IngestSettings) : ownEntry(settings.base?.apps, appId)?.ingest;
    return own === undefined ? defaults : merge(defaults, own);
  };
}

/** Only positive numbers are taken: a record edited by hand cannot turn the limit into NaN. */
function merge(rate: IngestRate, over: IngestSettings): IngestRate {
  const pick = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback);
  return { eventsPerSecond: pick(over?.eventsPerSecond, rate.eventsPerSecond), burstEvents: pick(over?.burstEvents, rate.burstEvents) };
}
