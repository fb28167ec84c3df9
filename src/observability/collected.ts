/**
 * Metrics whose values are copied from a component's plain counters when scraped, so the hot path
 * keeps no metrics library. Each scrape resets the metric first: a series that vanished (a shard
 * handed to another worker) disappears, and adding a value to a fresh series sets it, which is why
 * counters and gauges share one body.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Calls `set` once per series with its current value. */
export type Fill<L extends string> = (set: (labels: Record<L, string>, value: number) => void) => void;

function collected<L extends string>(Metric: typeof Counter<L> | typeof Gauge<L>, registry: Registry, name: string, help: string, labelNames: readonly L[], fill: Fill<L>): void {
  new Metric({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      fill((labels, value) => this.inc(labels, value));
    },
  });
}

export const counter = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], fill: Fill<L>) => collected(Counter<L>, registry, name, help, labelNames, fill);
export const gauge = <L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], fill: Fill<L>) => collected(Gauge<L>, registry, name, help, labelNames, fill);
