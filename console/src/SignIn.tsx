import { useState, type FormEvent } from 'react';
import { ApiError, signIn, type SessionInfo } from './api';

/**
 * The admin token goes once to the server, in a POST body, and is dropped from the page as soon as
 * it has been sent: the session cookie carries the session from then on.
 */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (session: SessionInfo) => void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(token.trim());
      setToken('');
      onSignedIn(session);
    } catch (failure) {
      setToken('');
      setError(failure instanceof ApiError && failure.status === 401 ? 'That admin token is not valid.' : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Riposte console</h1>
      {notice !== null && <p role="status">{notice}</p>}
      <form method="post" onSubmit={(e) => void submit(e)} aria-describedby={error === null ? undefined : 'sign-in-error'}>
        <label htmlFor="admin-token">Admin token</label>
        <input
          id="admin-token"
          name="admin-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error !== null}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error !== null && (
          <p id="sign-in-error" role="alert" className="field-error">
            {error}
          </p>
        )}
      </form>
      <p className="hint">
        The admin token is printed once, on Riposte's first start (or set with RIPOSTE_ADMIN_TOKEN).
      </p>
    </main>
  );
}
