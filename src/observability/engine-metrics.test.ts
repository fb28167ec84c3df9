import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { builtInDetectors } from '../../detectors';
import { StaticAppConfigSource } from '../engine/app-settings';
import type { LocalKinesisDriver } from '../drivers/local/local-driver';
import { ShardProcessor } from '../engine/processor';
import { loginFailure, rawRecord, times, toRecords } from '../testing/factories';
import { registerAppSettingsMetrics, registerEngineMetrics } from './engine-metrics';

const SHARD = 'shardId-000000000000';

/** The batch just processed is handled (its output durable) at `now`, as the shard pipeline says for an application with nothing left to write. */
function handledAt(processor: ShardProcessor, now: number): void {
  for (const { stats, newestArrival } of processor.stats.takeBatchArrivals()) stats.handled(newestArrival, now);
}

/** The part of the local driver the metrics read: its readers, and its checkpoint events. */
function driverOf(processor: ShardProcessor): LocalKinesisDriver {
  const driver = new EventEmitter();
  const readers = new Map([[SHARD, { shardId: SHARD, pipeline: { processor, pending: { total: 0, byApp: new Map<string, number>() } } }]]);
  return Object.assign(driver, { readers }) as unknown as LocalKinesisDriver;
}

describe('engine metrics', () => {
  it('copy a shard processor’s counters when scraped, per shard, reason and detector', async () => {
    const processor = new ShardProcessor({ shardId: SHARD, config: new StaticAppConfigSource(builtInDetectors) });
    let now = 1_000_000;
    const driver = driverOf(processor);
    const registry = new Registry();
    registerEngineMetrics(registry, driver, { loaded: 2, refused: 1 }, () => now);

    const events = times(10, (i) => loginFailure({ ip: '203.0.113.7', at: i, id: `agent-1:${i}` }));
    await processor.processBatch([rawRecord('not json'), ...toRecords(events)]);
    driver.emit('checkpoint', { shardId: SHARD, position: 'SHARD_END' });
    now += 4500;

    const text = await registry.metrics();
    expect(text).toContain(`riposte_records_read_total{shard="${SHARD}"} 11`);
    expect(text).toContain(`riposte_records_rejected_total{shard="${SHARD}",reason="invalid"} 1`);
    expect(text).toContain(`riposte_records_rejected_total{shard="${SHARD}",reason="future"} 0`);
    expect(text).toContain(`riposte_dead_letters_total{shard="${SHARD}"} 1`);
    expect(text).toContain('riposte_detections_total{detector="login-brute-force"} 1');
    expect(text).toContain('riposte_responses_total{detector="login-brute-force"} 1');
    expect(text).toContain(`riposte_tracked_windows{shard="${SHARD}"} 1`);
    expect(text).toContain(`riposte_checkpoint_age_seconds{shard="${SHARD}"} 4.5`);
    expect(text).toContain('riposte_playbooks_loaded_total 2');
    expect(text).toContain('riposte_playbooks_refused_total 1');
    expect(text).toContain(`riposte_app_config_refused_total{shard="${SHARD}"} 0`);
    expect(text).toContain(`riposte_history_unread_total{shard="${SHARD}"} 0`);

    // Each scrape copies the current values; it does not add them to the previous scrape's.
    await processor.processBatch(toRecords(events));
    const again = await registry.metrics();
    expect(again).toContain(`riposte_records_read_total{shard="${SHARD}"} 21`);
    expect(again).toContain(`riposte_events_duplicate_total{shard="${SHARD}"} 10`);
    expect(again).toContain(`riposte_tracked_windows{shard="${SHARD}"} 1`);
  });

  it("show the applications whose registry settings were refused, and what they run instead", async () => {
    const registry = new Registry();
    const settings = { stats: { refused: 3 }, fallbacks: new Map([['shop', 'defaults' as const], ['bank', 'previous' as const]]) };
    registerAppSettingsMetrics(registry, settings);
    const text = await registry.metrics();
    expect(text).toContain('riposte_app_settings_refused_total 3');
    expect(text).toContain('riposte_app_settings_fallback{app="shop",running="defaults"} 1');
    expect(text).toContain('riposte_app_settings_fallback{app="bank",running="previous"} 1');
    settings.fallbacks.delete('shop');
    expect(await registry.metrics()).not.toContain('app="shop"');
  });

  it('show per application what it sent and how far behind its events are handled', async () => {
    const processor = new ShardProcessor({ shardId: SHARD, config: new StaticAppConfigSource(builtInDetectors) });
    const registry = new Registry();
    registerEngineMetrics(registry, driverOf(processor), { loaded: 0, refused: 0 });
    const flood = toRecords(times(50, (i) => loginFailure({ ip: `10.0.0.${i}`, app: 'flood', at: i / 10 })));
    const victim = toRecords([loginFailure({ ip: '203.0.113.7', app: 'victim', at: 1 })]);
    const arrivals = (records: typeof flood) => records.map((r) => r.arrivalTime as number);
    await processor.processBatch([...flood, ...victim]);
    // The batch is durable 3 s after the newest flood record reached Kinesis.
    handledAt(processor, Math.max(...arrivals(flood)) + 3000);
    const text = await registry.metrics();
    expect(text).toContain(`riposte_app_records_total{shard="${SHARD}",app="flood"} 50`);
    expect(text).toContain(`riposte_app_records_total{shard="${SHARD}",app="victim"} 1`);
    expect(text).toContain(`riposte_app_lag_seconds{shard="${SHARD}",app="flood"} 3`);
    expect(text).toContain(`riposte_app_lag_seconds{shard="${SHARD}",app="victim"} ${(Math.max(...arrivals(flood)) + 3000 - (arrivals(victim)[0] as number)) / 1000}`);

    // A batch without the victim's events leaves its lag as it was.
    const more = toRecords([loginFailure({ ip: '10.0.1.1', app: 'flood', at: 20 })]);
    await processor.processBatch(more);
    handledAt(processor, (more[0]?.arrivalTime as number) + 500);
    const again = await registry.metrics();
    expect(again).toContain(`riposte_app_lag_seconds{shard="${SHARD}",app="flood"} 0.5`);
    expect(again).toContain(`riposte_app_records_total{shard="${SHARD}",app="flood"} 51`);
  });
});
