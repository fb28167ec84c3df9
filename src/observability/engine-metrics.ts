/**
 * Prometheus metrics of detection, per shard: what was read, what was refused and why, what the
 * detectors decided, the memory the windows hold, how far behind the reader is and how old its
 * checkpoint. The engine keeps plain counters (ShardStats) on the hot path; these copy them when
 * scraped.
 */
import type { Registry } from 'prom-client';
import type { LocalKinesisDriver } from '../drivers/local/local-driver';
import type { ShardProcessor } from '../engine/processor';
import { counter, gauge } from './collected';

type Reading = { shardId: string; processor: ShardProcessor };

export function registerEngineMetrics(registry: Registry, driver: LocalKinesisDriver, playbooks: { loaded: number; refused: number }, clock: () => number = Date.now): void {
  const readings = (): Reading[] => [...driver.readers.values()].map((r) => ({ shardId: r.shardId, processor: r.pipeline.processor }));
  const perShard = (pick: (p: ShardProcessor) => number) => (set: (labels: { shard: string }, value: number) => void) => {
    for (const { shardId, processor } of readings()) set({ shard: shardId }, pick(processor));
  };
  const perDetector = (pick: (p: ShardProcessor) => Map<string, number>) => (set: (labels: { detector: string }, value: number) => void) => {
    const totals = new Map<string, number>();
    for (const { processor } of readings()) for (const [name, n] of pick(processor)) totals.set(name, (totals.get(name) ?? 0) + n);
    for (const [detector, n] of totals) set({ detector }, n);
  };

  const checkpointedAt = new Map<string, number>();
  driver.on('checkpoint', ({ shardId }) => checkpointedAt.set(shardId, clock()));
  driver.on('shardFinished', ({ shardId }) => checkpointedAt.delete(shardId));

  counter(registry, 'riposte_records_read_total', 'Records handed to the engine, per shard.', ['shard'], perShard((p) => p.stats.records));
  counter(registry, 'riposte_bytes_read_total', 'Bytes of record data handed to the engine, per shard.', ['shard'], perShard((p) => p.stats.bytes));
  gauge(registry, 'riposte_millis_behind_latest', 'How far the shard reader is behind the tip of the stream, as Kinesis reports it.', ['shard'], perShard((p) => p.stats.millisBehindLatest));
  counter(registry, 'riposte_records_rejected_total', 'Records that are not valid events (dead-lettered), per shard and reason.', ['shard', 'reason'], (set) => {
    for (const { shardId, processor } of readings()) {
      set({ shard: shardId, reason: 'invalid' }, processor.stats.rejected - processor.stats.future);
      set({ shard: shardId, reason: 'future' }, processor.stats.future);
    }
  });
  counter(registry, 'riposte_dead_letters_total', 'Records written to the dead-letter file, per shard.', ['shard'], perShard((p) => p.stats.rejected));
  counter(registry, 'riposte_events_late_total', 'Valid events older than the watermark, dropped, per shard.', ['shard'], perShard((p) => p.stats.late));
  counter(registry, 'riposte_events_duplicate_total', 'Reports delivered more than once, counted once, per shard.', ['shard'], perShard((p) => p.stats.duplicates));
  counter(registry, 'riposte_detections_total', 'Windows that crossed their threshold, per detector.', ['detector'], perDetector((p) => p.stats.detectionsByDetector));
  counter(registry, 'riposte_responses_total', 'Responses decided, per detector.', ['detector'], perDetector((p) => p.stats.responsesByDetector));
  gauge(registry, 'riposte_tracked_windows', 'Window states held (one per group and detector signal), per shard.', ['shard'], perShard((p) => p.trackedWindows));
  gauge(registry, 'riposte_tracked_windows_limit', 'The memory budget: window states a shard processor holds at most.', ['shard'], perShard((p) => p.budget.limit));
  counter(registry, 'riposte_windows_evicted_total', 'Window states evicted because the memory budget was reached (a flood of fresh actors?), per shard.', ['shard'], perShard((p) => p.budget.evicted));
  gauge(registry, 'riposte_checkpoint_age_seconds', 'Seconds since the shard last checkpointed.', ['shard'], (set) => {
    const now = clock();
    for (const { shardId } of readings()) {
      const at = checkpointedAt.get(shardId);
      if (at !== undefined) set({ shard: shardId }, (now - at) / 1000);
    }
  });
  counter(registry, 'riposte_app_records_total', 'Valid events read, per shard and application: who sends what.', ['shard', 'app'], (set) => {
    for (const { shardId, processor } of readings()) for (const [app, stats] of processor.stats.apps) set({ shard: shardId, app }, stats.records);
  });
  gauge(registry, 'riposte_app_lag_seconds', 'Per shard and application: from the newest arrival in Kinesis among its events in the last batch holding any, to that batch\'s responses of the application written.', ['shard', 'app'], (set) => {
    for (const { shardId, processor } of readings()) for (const [app, stats] of processor.stats.apps) set({ shard: shardId, app }, stats.lagMs / 1000);
  });
  counter(registry, 'riposte_app_responses_shed_total', "Per shard and application: responses decided beyond RIPOSTE_MAX_RESPONSES_PER_APP_SECOND in one second of the shard's event time, not given (the target is answered at its next detection).", ['shard', 'app'], (set) => {
    for (const { shardId, processor } of readings()) for (const [app, stats] of processor.stats.apps) set({ shard: shardId, app }, stats.responsesShed);
  });
  gauge(registry, 'riposte_app_pending_responses', "Per shard and application: responses decided and not yet written (its write lane); the shard waits when one application's or all exceed their bound.", ['shard', 'app'], (set) => {
    for (const r of driver.readers.values()) for (const [app, n] of r.pipeline.pending.byApp) set({ shard: r.shardId, app }, n);
  });
  counter(registry, 'riposte_app_config_refused_total', "Times an application's configuration could not run in a shard processor (that application only: it ran its previous configuration, or counted nothing), per shard.", ['shard'], perShard((p) => p.stats.configRefused));
  counter(registry, 'riposte_history_unread_total', 'Applications a shard processor started without their past responses, the history store having kept failing (repeat offenders are not recognised, a banned target may be banned again), per shard.', ['shard'], perShard((p) => p.stats.historyUnread));
  counter(registry, 'riposte_playbooks_loaded_total', 'Playbook versions compiled and running.', [], (set) => set({}, playbooks.loaded));
  counter(registry, 'riposte_playbooks_refused_total', 'Playbook versions refused as invalid (the previous version keeps running).', [], (set) => set({}, playbooks.refused));
}

/** The registry's settings that do not run as written (src/registry/config-source.ts), and what runs instead. */
export function registerAppSettingsMetrics(registry: Registry, settings: { stats: { refused: number }; fallbacks: ReadonlyMap<string, 'previous' | 'defaults'> }): void {
  counter(registry, 'riposte_app_settings_refused_total', 'Versions of applications\' registry settings this version cannot run (each application ran its previous settings or the defaults).', [], (set) => set({}, settings.stats.refused));
  gauge(registry, 'riposte_app_settings_fallback', 'Applications running other settings than their registry\'s, which this version refused: 1 per application, labelled with what runs (previous or defaults).', ['app', 'running'], (set) => {
    for (const [app, running] of settings.fallbacks) set({ app, running }, 1);
  });
}
