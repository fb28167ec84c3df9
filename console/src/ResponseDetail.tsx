import { useEffect, useState } from 'react';
import { ApiError, getResponse, revoke, type AgentResponse } from './api';
import { Link } from './Link';
import { paths } from './route';
import { statusAt, Time, useNow } from './time';
import { UntrustedText } from './UntrustedText';

/** One response: what it does, why (its evidence), and a Revoke button. */
export function ResponseDetail({ appId, id }: { appId: string; id: string }) {
  const now = useNow();
  const [response, setResponse] = useState<AgentResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getResponse(appId, id).then(setResponse, (e: Error) => setError(e instanceof ApiError && e.status === 404 ? `Application ${appId} has no such response.` : e.message));
  }, [appId, id]);

  const onRevoke = async () => {
    setBusy(true);
    setError(null);
    try {
      setResponse(await revoke(appId, id));
      setNotice('Revoked. Agents stop enforcing it at their next read; long-polling agents within a second.');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (response === null) return error === null ? <p className="loading">Loading…</p> : <p role="alert">{error}</p>;
  const status = statusAt(response, now);
  const { evidence } = response;
  return (
    <article aria-labelledby="detail-title" className="detail">
      <p>
        <Link to={paths.feed()}>← Live feed</Link>
      </p>
      <h1 id="detail-title">
        {response.action === 'ban' ? 'Ban' : 'Redirect'} of {response.target.type} <UntrustedText value={response.target.value} />
      </h1>
      <p className="status-line">
        <span className={`status ${status}`}>{status}</span>
        {response.simulated && <span className="badge">simulated: reported to agents, not enforced</span>}
      </p>
      <dl className="facts">
        <dt>Application</dt>
        <dd>{response.appId}</dd>
        <dt>Detector</dt>
        <dd>{response.detector}</dd>
        <dt>Reason</dt>
        <dd>
          <UntrustedText value={response.reason} />
        </dd>
        {response.redirectUrl !== null && (
          <>
            <dt>Redirect to</dt>
            <dd>
              <UntrustedText value={response.redirectUrl} />
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          <Time iso={response.createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time iso={response.expiresAt} />
        </dd>
        {response.revokedAt !== null && (
          <>
            <dt>Revoked</dt>
            <dd>
              <Time iso={response.revokedAt} />
            </dd>
          </>
        )}
        <dt>Response id</dt>
        <dd>
          <code>{response.id}</code>
        </dd>
      </dl>
      <section aria-labelledby="evidence-title">
        <h2 id="evidence-title">Evidence</h2>
        <dl className="facts">
          <dt>Count</dt>
          <dd>{evidence.count}</dd>
          <dt>Window</dt>
          <dd>{evidence.windowSeconds} s</dd>
          <dt>First seen</dt>
          <dd>
            <Time iso={evidence.firstSeen} />
          </dd>
          <dt>Last seen</dt>
          <dd>
            <Time iso={evidence.lastSeen} />
          </dd>
        </dl>
        {evidence.samples.length > 0 ? (
          <>
            <h3 id="samples-title">Sample values from the events</h3>
            <ul aria-labelledby="samples-title" className="samples">
              {evidence.samples.map((sample, i) => (
                <li key={i}>
                  <UntrustedText value={sample} />
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="hint">This detector counts events; it keeps no sample values.</p>
        )}
      </section>
      <div className="actions">
        <button type="button" className="danger" onClick={() => void onRevoke()} disabled={busy || status !== 'active'}>
          Revoke
        </button>
        {notice !== null && <p role="status">{notice}</p>}
        {error !== null && <p role="alert">{error}</p>}
      </div>
    </article>
  );
}
