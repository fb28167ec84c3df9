import { useEffect, useState } from 'react';
import { openFeed, type AgentResponse } from './api';

export interface FeedState {
  /** Newest change first; a response appears once, in its latest state. */
  responses: AgentResponse[];
  connection: 'connecting' | 'live' | 'reconnecting';
}

/** Responses kept in the page: the feed is a window on what happens now, not an archive. */
const KEPT = 500;

/** The server's feed of responses, open for as long as the console is signed in. */
export function useLiveFeed(): FeedState {
  const [state, setState] = useState<FeedState>({ responses: [], connection: 'connecting' });
  useEffect(
    () =>
      openFeed(
        (response) =>
          setState((s) => ({
            ...s,
            responses: [response, ...s.responses.filter((r) => !(r.id === response.id && r.appId === response.appId))].slice(0, KEPT),
          })),
        (connection) => setState((s) => ({ ...s, connection })),
      ),
    [],
  );
  return state;
}
