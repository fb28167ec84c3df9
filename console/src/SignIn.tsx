import { useState, type FormEvent } from 'react';
import { ApiError, signIn, type SessionInfo } from './api';

/**
 * What the page says when a sign-in fails. After too many wrong tokens the server refuses every token
 * from this address (the right one too) until Retry-After: the page says so, and when to try again,
 * rather than "not valid", which would send the person to look for another token.
 */
function refusal(failure: unknown): string {
  if (!(failure instanceof ApiError)) return (failure as Error).message;
  if (failure.status === 401) return 'That admin token is not valid.';
  if (failure.code === 'sign_in_limited') {
    const wait = failure.retryAfterSeconds === undefined ? 'a little while' : `${failure.retryAfterSeconds} s`;
    // `overall`: wrong tokens from many addresses at once, a spray this address may have no part in.
    const from = failure.details.limit === 'overall' ? 'on this server (from many addresses)' : 'from this address';
    return `Too many failed sign-ins ${from}; try again in ${wait}. Until then no token is checked, not even the right one.`;
  }
  return failure.message;
}

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
      setError(refusal(failure));
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
