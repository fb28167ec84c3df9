import { z } from 'zod';
import { defineDetector } from '../src/core/detector';

/**
 * Account takeover: one account attacked from many addresses (a botnet spreading its guesses so no
 * IP stands out). Banning the IPs would not help; the account is sent to a stronger check instead.
 */
export default defineDetector({
  name: 'account-takeover',
  description: 'Redirects a user whose login fails from many different IP addresses to a verification page.',
  params: z.object({
    threshold: z.int().min(2).default(10).describe('distinct IPs failing to log in as one user'),
    windowSeconds: z.int().min(1).default(10 * 60).describe('the sliding window the failures must fall within'),
    durationSeconds: z.int().min(1).default(30 * 60).describe('how long the redirect lasts'),
    redirectUrl: z.string().min(1).default('/security-check').describe('where agents send the user'),
  }),
  plan: (p) => ({
    groupBy: ['user.login'],
    signals: [
      {
        kind: 'distinct',
        when: { type: 'login_failure' },
        field: 'actor.ip',
        threshold: p.threshold,
        windowSeconds: p.windowSeconds,
        reason: 'login failures from {count} different IP addresses in {windowSeconds} s',
      },
    ],
    response: {
      action: 'redirect',
      target: { type: 'user', field: 'user.login' },
      durationSeconds: p.durationSeconds,
      redirectUrl: p.redirectUrl,
    },
  }),
});
