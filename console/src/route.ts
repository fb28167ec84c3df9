/**
 * The console's four pages as paths under /console/ (the server answers every one of them with the
 * app), read from and written to the History API. Small enough not to need a router library.
 */
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'overview' }
  | { page: 'feed' }
  | { page: 'response'; appId: string; id: string }
  | { page: 'settings'; appId: string }
  | { page: 'not-found'; path: string };

const BASE = '/console';

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = rest.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 0) return { page: 'overview' };
  if (parts.length === 1 && parts[0] === 'feed') return { page: 'feed' };
  if (parts.length === 4 && parts[0] === 'apps' && parts[2] === 'responses') return { page: 'response', appId: parts[1] as string, id: parts[3] as string };
  if (parts.length === 3 && parts[0] === 'apps' && parts[2] === 'settings') return { page: 'settings', appId: parts[1] as string };
  return { page: 'not-found', path: pathname };
}

export const paths = {
  overview: () => `${BASE}/`,
  feed: () => `${BASE}/feed`,
  response: (appId: string, id: string) => `${BASE}/apps/${encodeURIComponent(appId)}/responses/${encodeURIComponent(id)}`,
  settings: (appId: string) => `${BASE}/apps/${encodeURIComponent(appId)}/settings`,
};

const CHANGED = 'riposte:navigate';

export function navigate(path: string): void {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGED));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGED, update);
    };
  }, []);
  return route;
}
