/**
 * Metrics of the write path of the ingest API, copied from the publisher's and the rate limiter's
 * plain counters when scraped (src/observability/collected.ts): how many PutRecords calls, how many
 * Kinesis records of each form for how many events (the events per record is what aggregation buys),
 * the bytes waiting for the stream, and the events refused per application by its rate limit.
 */
import type { Registry } from 'prom-client';
import { counter, gauge } from '../observability/collected';
import type { PublisherStats } from './event-publisher';
import type { IngestRateLimiter } from './ingest-rate-limit';

export function registerIngestMetrics(registry: Registry, parts: { publisher?: PublisherStats; limiter: IngestRateLimiter }): void {
  // Two API instances may share a registry (tests do); the first one's metrics stay.
  if (registry.getSingleMetric('riposte_ingest_rate_limited_events_total') !== undefined) return;
  const { publisher, limiter } = parts;
  counter(registry, 'riposte_ingest_rate_limited_events_total', 'Events refused (429) because their application was over its ingest rate, by application.', ['app'], (set) => {
    for (const [app, events] of limiter.refused) set({ app }, events);
  });
  if (publisher === undefined) return;
  counter(registry, 'riposte_ingest_put_records_calls_total', 'PutRecords calls made by the ingest API (retries included).', [], (set) => set({}, publisher.putCalls));
  counter(registry, 'riposte_ingest_kinesis_records_total', 'Kinesis records written by the ingest API, by form: plain (one event) or aggregated (KPL format, several events).', ['form'], (set) => {
    set({ form: 'plain' }, publisher.plainRecords);
    set({ form: 'aggregated' }, publisher.aggregatedRecords);
  });
  counter(registry, 'riposte_ingest_stream_events_total', 'Events written to the stream by the ingest API (divide by the records for the events per record).', [], (set) => set({}, publisher.events));
  gauge(registry, 'riposte_ingest_buffered_bytes', 'Bytes of events taken by the ingest API and not yet on the stream (waiting for a write or being written).', [], (set) => set({}, publisher.bufferedBytes));
}
