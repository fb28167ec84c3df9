import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { builtInDetectors } from '../../detectors';
import { StaticAppConfigSource } from '../config/app-config';
import type { LocalKinesisDriver } from '../drivers/local/local-driver';
import { ShardProcessor } from '../engine/processor';
import { loginFailure, rawRecord, times, toRecords } from '../testing/factories';
import { registerEngineMetrics } from './engine-metrics';

const SHARD = 'shardId-000000000000';

/** The part of the local driver the metrics read: its readers, and its checkpoint events. */
function driverOf(processor: ShardProcessor): LocalKinesisDriver {
  const driver = new EventEmitter();
  const readers = new Map([[SHARD, { shardId: SHARD, pipeline: { processor } }]]);
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

    // Each scrape copies the current values; it does not add them to the previous scrape's.
    await processor.processBatch(toRecords(events));
    const again = await registry.metrics();
    expect(again).toContain(`riposte_records_read_total{shard="${SHARD}"} 21`);
    expect(again).toContain(`riposte_events_duplicate_total{shard="${SHARD}"} 10`);
    expect(again).toContain(`riposte_tracked_windows{shard="${SHARD}"} 1`);
  });
});
