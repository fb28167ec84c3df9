import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: number[];
}

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#ca8a04'];

/**
 * A time series chart (uPlot draws on a canvas). The canvas gets a text summary for screen readers;
 * uPlot's legend below it is text too.
 */
export function Chart({ title, minutes, series, summary }: { title: string; minutes: number[]; series: ChartSeries[]; summary: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const width = () => Math.max(240, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 180,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: false } }))],
        scales: { x: { time: true }, y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max)] } },
        axes: [{}, { size: 48 }],
        cursor: { drag: { x: false, y: false } },
      },
      [minutes.map((m) => m / 1000), ...series.map((s) => s.values)],
      element,
    );
    plot.root.querySelector('canvas')?.setAttribute('role', 'img');
    plot.root.querySelector('canvas')?.setAttribute('aria-label', `${title}: ${summary}`);
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 180 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [minutes, series, title, summary]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
