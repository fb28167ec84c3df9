/**
 * Prometheus metrics of the HTTP API, registered on the Registry the caller passes (the one
 * `/metrics` serves). Routes are labelled by their pattern (`/v1/admin/apps/:appId/responses`), never
 * by the raw URL, so the number of series stays bounded.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ApiMetrics {
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  ingestEvents: Counter<'outcome'>;
  waiting: Gauge;
  cacheReads: Counter<'outcome'>;
}

/**
 * Reuses metrics already on the registry: two API instances may share one (as tests do), and
 * src/main/start.ts creates them before buildApi does again, to hand `cacheReads` to the cache it
 * opens first.
 */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  return {
    requests: metric(registry, 'riposte_http_requests_total', () =>
      new Counter({ name: 'riposte_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    ),
    duration: metric(registry, 'riposte_http_request_duration_seconds', () =>
      new Histogram({
        name: 'riposte_http_request_duration_seconds',
        help: 'Time to answer an HTTP request (long-polls include their wait)',
        labelNames: ['method', 'route'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 60],
        registers,
      }),
    ),
    ingestEvents: metric(registry, 'riposte_ingest_events_total', () =>
      new Counter({ name: 'riposte_ingest_events_total', help: 'Events posted to the ingest API, by outcome: accepted (on the stream), rejected (invalid), failed (the stream refused them), rate_limited (429), overloaded (write buffer full, 503)', labelNames: ['outcome'] as const, registers }),
    ),
    waiting: metric(registry, 'riposte_agent_waiting_requests', () =>
      new Gauge({ name: 'riposte_agent_waiting_requests', help: 'Long-polls of the agent API currently held open', registers }),
    ),
    cacheReads: metric(registry, 'riposte_agent_cache_reads_total', () =>
      new Counter({ name: 'riposte_agent_cache_reads_total', help: 'Agent API reads of the response cache, by outcome (hit, miss, error)', labelNames: ['outcome'] as const, registers }),
    ),
  };
}

/** An answered request: counted by route and status, its latency observed (app.ts calls it from onResponse). */
export function observeRequest(metrics: ApiMetrics, method: string, route: string, status: number, seconds: number): void {
  metrics.requests.inc({ method, route, status: String(status) });
  metrics.duration.observe({ method, route }, seconds);
}
