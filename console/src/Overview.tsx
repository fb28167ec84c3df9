import { useEffect, useMemo, useState } from 'react';
import { listApps, overview, type AppSeries, type AppSummary, type Overview as OverviewData } from './api';
import { Chart } from './Chart';
import { Link } from './Link';
import { paths } from './route';

/** Refreshed this often; the live feed is the place for what happens this second. */
const REFRESH_MS = 30_000;

/** Every application over the last hour: events, detections by detector, bans and redirects in force. */
export function Overview() {
  const [data, setData] = useState<{ overview: OverviewData; apps: AppSummary[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      Promise.all([overview(), listApps()]).then(
        ([o, apps]) => live && (setData({ overview: o, apps }), setError(null)),
        (e: Error) => live && setError(e.message),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  if (data === null) return error === null ? <p className="loading">Loading…</p> : <p role="alert">{error}</p>;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview — the last hour</h1>
      {error !== null && <p role="alert">Could not refresh: {error}</p>}
      {data.apps.length === 0 && <p className="empty">No applications yet: add one with riposte apps add APP_ID.</p>}
      {data.apps.map((app) => (
        <AppPanel key={app.appId} app={app} series={data.overview.apps.find((s) => s.appId === app.appId)} minutes={data.overview.minutes} />
      ))}
    </section>
  );
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function AppPanel({ app, series, minutes }: { app: AppSummary; series: AppSeries | undefined; minutes: number[] }) {
  const zero = useMemo(() => minutes.map(() => 0), [minutes]);
  const events = useMemo(() => [{ label: 'events', values: series?.events ?? zero }], [series, zero]);
  const detections = useMemo(() => {
    const byDetector = Object.entries(series?.detections ?? {});
    return byDetector.length === 0 ? [{ label: 'detections', values: zero }] : byDetector.map(([label, values]) => ({ label, values }));
  }, [series, zero]);
  const active = useMemo(
    () => [
      { label: 'bans', values: series?.activeBans ?? zero },
      { label: 'redirects', values: series?.activeRedirects ?? zero },
    ],
    [series, zero],
  );
  const last = (values: number[] | undefined) => values?.at(-1) ?? 0;
  const detectionTotal = sum(detections.flatMap((d) => d.values));
  return (
    <article className="app-panel" aria-labelledby={`app-${app.appId}`}>
      <div className="title-row">
        <h2 id={`app-${app.appId}`}>{app.appId}</h2>
        <Link to={paths.settings(app.appId)}>Settings of {app.appId}</Link>
      </div>
      <dl className="totals">
        <dt>Events</dt>
        <dd>{sum(series?.events ?? [])}</dd>
        <dt>Detections</dt>
        <dd>{detectionTotal}</dd>
        <dt>Active bans</dt>
        <dd>{last(series?.activeBans)}</dd>
        <dt>Active redirects</dt>
        <dd>{last(series?.activeRedirects)}</dd>
      </dl>
      <div className="charts">
        <Chart title="Events per minute" minutes={minutes} series={events} summary={`${sum(events[0]?.values ?? [])} events in the last hour`} />
        <Chart title="Detections per minute, by detector" minutes={minutes} series={detections} summary={`${detectionTotal} detections in the last hour`} />
        <Chart
          title="Active bans and redirects"
          minutes={minutes}
          series={active}
          summary={`${last(series?.activeBans)} bans and ${last(series?.activeRedirects)} redirects in force now`}
        />
      </div>
    </article>
  );
}
