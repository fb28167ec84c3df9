import { useState } from 'react';
import { rotateToken, type AppSummary } from './api';

/**
 * Issues a new agent token and revokes the others. Asked twice, since agents on the old token are
 * refused within seconds; the new token is shown once, here, and never again.
 */
export function TokenRotation({ app }: { app: AppSummary }) {
  const [step, setStep] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rotate = async () => {
    setStep('busy');
    setError(null);
    try {
      setToken((await rotateToken(app.appId)).token);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setStep('idle');
    }
  };
  return (
    <section aria-labelledby="token-title">
      <h2 id="token-title">Agent token</h2>
      <p>
        Current token{app.tokens.length === 1 ? '' : 's'}: {app.tokens.map((t) => t.id).join(', ') || 'none'} (ids, not the secret).
      </p>
      {step === 'confirm' ? (
        <div role="group" aria-label="Confirm rotation" className="confirm">
          <p>Agents still using the current token are refused within about 5 seconds. Roll the new one out right away.</p>
          <button type="button" className="danger" onClick={() => void rotate()}>
            Rotate now
          </button>
          <button type="button" className="quiet" onClick={() => setStep('idle')}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setStep('confirm')} disabled={step === 'busy'}>
          Rotate token
        </button>
      )}
      {token !== null && (
        <div className="new-token">
          <label htmlFor="new-token">New agent token (shown once: copy it now)</label>
          <input id="new-token" readOnly value={token} spellCheck={false} onFocus={(e) => e.target.select()} />
        </div>
      )}
      {error !== null && <p role="alert">{error}</p>}
    </section>
  );
}
