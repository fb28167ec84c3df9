import { useId, useMemo, useState } from 'react';
import { Link } from './Link';
import { paths } from './route';
import { statusAt, Time, useNow } from './time';
import { UntrustedText } from './UntrustedText';
import type { FeedState } from './useLiveFeed';

type Filter = { app: string; detector: string; action: string; status: string };
const ALL = '';

/** Responses as they happen, pushed by the server; filtered here, in the page. */
export function LiveFeed({ feed }: { feed: FeedState }) {
  const now = useNow();
  const [filter, setFilter] = useState<Filter>({ app: ALL, detector: ALL, action: ALL, status: ALL });
  const rows = useMemo(() => feed.responses.map((r) => ({ r, status: statusAt(r, now) })), [feed.responses, now]);
  const options = (pick: (r: (typeof rows)[number]) => string) => [...new Set(rows.map(pick))].sort();
  const shown = rows.filter(
    ({ r, status }) =>
      (filter.app === ALL || r.appId === filter.app) &&
      (filter.detector === ALL || r.detector === filter.detector) &&
      (filter.action === ALL || r.action === filter.action) &&
      (filter.status === ALL || status === filter.status),
  );
  const set = (key: keyof Filter) => (value: string) => setFilter((f) => ({ ...f, [key]: value }));

  return (
    <section aria-labelledby="feed-title">
      <div className="title-row">
        <h1 id="feed-title">Live feed</h1>
        <span className={`connection ${feed.connection}`} role="status">
          {feed.connection === 'live' ? 'Live' : feed.connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </div>
      <div className="filters" role="group" aria-label="Filters">
        <Select label="Application" value={filter.app} onChange={set('app')} options={options(({ r }) => r.appId)} />
        <Select label="Detector" value={filter.detector} onChange={set('detector')} options={options(({ r }) => r.detector)} />
        <Select label="Action" value={filter.action} onChange={set('action')} options={['ban', 'redirect']} />
        <Select label="Status" value={filter.status} onChange={set('status')} options={['active', 'revoked', 'expired']} />
      </div>
      <div className="table-scroll">
        {/* Roles spelled out: at phone width the rows are laid out as cards (display: block), which can drop table semantics. */}
        <table aria-label="Responses" role="table">
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">Created</th>
              <th scope="col" role="columnheader">Application</th>
              <th scope="col" role="columnheader">Detector</th>
              <th scope="col" role="columnheader">Target</th>
              <th scope="col" role="columnheader">Action</th>
              <th scope="col" role="columnheader">Reason</th>
              <th scope="col" role="columnheader">Expires</th>
              <th scope="col" role="columnheader">Status</th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {shown.map(({ r, status }) => (
              <tr role="row" key={`${r.appId}/${r.id}`}>
                <td role="cell" data-label="Created">
                  <Time iso={r.createdAt} />
                </td>
                <td role="cell" data-label="Application">{r.appId}</td>
                <td role="cell" data-label="Detector">{r.detector}</td>
                <td role="cell" data-label="Target">
                  <Link to={paths.response(r.appId, r.id)}>
                    {r.target.type} <UntrustedText value={r.target.value} />
                  </Link>
                </td>
                <td role="cell" data-label="Action">{r.action}</td>
                <td role="cell" data-label="Reason">
                  <UntrustedText value={r.reason} />
                </td>
                <td role="cell" data-label="Expires">
                  <Time iso={r.expiresAt} />
                </td>
                <td role="cell" data-label="Status">
                  <span className={`status ${status}`}>{status}</span>
                  {r.simulated && <span className="badge">simulated</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length === 0 && <p className="empty">{rows.length === 0 ? 'No responses in the last hour yet. New ones appear here as they are written.' : 'No response matches these filters.'}</p>}
      </div>
    </section>
  );
}

function Select({ label, value, options, onChange }: { label: string; value: string; options: string[]; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <span className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value={ALL}>All</option>
        {[...new Set([...options, ...(value === ALL ? [] : [value])])].map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </span>
  );
}
