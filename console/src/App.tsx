import { useCallback, useEffect, useState } from 'react';
import { currentSession, onSignedOut, signOut, type SessionInfo } from './api';
import { AppSettings } from './AppSettings';
import { Link } from './Link';
import { LiveFeed } from './LiveFeed';
import { Overview } from './Overview';
import { ResponseDetail } from './ResponseDetail';
import { paths, useRoute } from './route';
import { SignIn } from './SignIn';
import { useLiveFeed } from './useLiveFeed';

type SessionState = { state: 'checking' } | { state: 'signed-out'; notice: string | null } | { state: 'signed-in'; session: SessionInfo };

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'checking' });

  useEffect(() => {
    currentSession().then(
      (found) => setSession(found === undefined ? { state: 'signed-out', notice: null } : { state: 'signed-in', session: found }),
      (error: Error) => setSession({ state: 'signed-out', notice: error.message }),
    );
    return onSignedOut(() => setSession({ state: 'signed-out', notice: 'Your session has ended. Sign in again.' }));
  }, []);

  if (session.state === 'checking') return <p className="loading">Loading…</p>;
  if (session.state === 'signed-out') return <SignIn notice={session.notice} onSignedIn={(s) => setSession({ state: 'signed-in', session: s })} />;
  return <SignedIn onSignOut={() => setSession({ state: 'signed-out', notice: 'Signed out.' })} />;
}

function SignedIn({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const feed = useLiveFeed();
  const leave = useCallback(() => {
    void signOut().finally(onSignOut);
  }, [onSignOut]);

  return (
    <>
      <header className="top">
        <span className="brand">Riposte</span>
        <nav aria-label="Console">
          <Link to={paths.overview()} className={route.page === 'overview' ? 'current' : undefined}>
            Overview
          </Link>
          <Link to={paths.feed()} className={route.page === 'feed' ? 'current' : undefined}>
            Live feed
          </Link>
        </nav>
        <button type="button" className="quiet" onClick={leave}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === 'overview' && <Overview />}
        {route.page === 'feed' && <LiveFeed feed={feed} />}
        {route.page === 'response' && <ResponseDetail key={`${route.appId}/${route.id}`} appId={route.appId} id={route.id} />}
        {route.page === 'settings' && <AppSettings key={route.appId} appId={route.appId} />}
        {route.page === 'not-found' && (
          <p role="alert">
            There is no page here. <Link to={paths.overview()}>Go to the overview</Link>.
          </p>
        )}
      </main>
    </>
  );
}
