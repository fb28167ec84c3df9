import { useEffect, useState } from 'react';
import { playbooks as loadPlaybooks, type PlaybookCheck } from './api';

/** The application's playbooks (its own and RIPOSTE_PLAYBOOKS_DIR's), each with what the checker says. */
export function PlaybookList({ appId }: { appId: string }) {
  const [checks, setChecks] = useState<PlaybookCheck[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    loadPlaybooks(appId).then(setChecks, (e: Error) => setError(e.message));
  }, [appId]);
  return (
    <section aria-labelledby="playbooks-title">
      <h2 id="playbooks-title">Playbooks</h2>
      {error !== null && <p role="alert">{error}</p>}
      {checks !== null && checks.length === 0 && <p className="empty">No playbooks. Add them with riposte apps configure {appId} --playbook FILE.</p>}
      {checks !== null && checks.length > 0 && (
        <ul className="playbooks">
          {checks.map((p) => (
            <li key={`${p.origin}`}>
              <strong>{p.name}</strong> <span className="hint">{p.origin}</span>{' '}
              {p.ok ? (
                <span className="status active">valid{p.summary === null ? '' : `: ${p.summary}`}</span>
              ) : (
                <>
                  <span className="status revoked">invalid</span>
                  <ul>
                    {p.problems.map((problem, i) => (
                      <li key={i} className="field-error">
                        line {problem.line}, column {problem.col}
                        {problem.path === '' ? '' : `, ${problem.path}`}: {problem.message}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
