/**
 * Metrics of the limit on wrong admin tokens (sign-in-limit.ts), copied from its plain counters when
 * scraped (src/observability/collected.ts): the wrong tokens, and the attempts refused without a look
 * at the token, by the limit that refused them (`address`: one address over its budget; `overall`:
 * all addresses together, a spray).
 */
import type { Registry } from 'prom-client';
import { counter } from '../../observability/collected';
import type { SignInLimiter } from './sign-in-limit';

export function registerSignInMetrics(registry: Registry, limiter: SignInLimiter): void {
  // Two API instances may share a registry (tests do); the first one's metrics stay.
  if (registry.getSingleMetric('riposte_admin_sign_in_failures_total') !== undefined) return;
  counter(registry, 'riposte_admin_sign_in_failures_total', 'Wrong admin tokens presented, by way: console (sign-in) or bearer (admin API).', ['way'], (set) => {
    for (const [way, count] of Object.entries(limiter.failures)) set({ way }, count);
  });
  counter(
    registry,
    'riposte_admin_sign_in_refused_total',
    'Sign-ins and admin bearer calls refused (429 sign_in_limited) without checking the token, by way and by limit: address (too many wrong tokens from it) or overall (from all addresses together).',
    ['way', 'limit'],
    (set) => {
      for (const [way, byLimit] of Object.entries(limiter.refusals)) {
        for (const [limit, count] of Object.entries(byLimit)) set({ way, limit }, count);
      }
    },
  );
}
