import { z } from 'zod';
import { defineDetector } from '../src/core/detector';

/**
 * Credential stuffing: one address tries leaked username/password pairs, one attempt per account,
 * so no single account sees many failures. The signature is many distinct logins from one IP.
 */
export default defineDetector({
  name: 'credential-stuffing',
  description: 'Bans an IP address that fails to log in as many different users.',
  params: z.object({
    threshold: z.int().min(2).default(20).describe('distinct logins failed from one IP that trigger the ban'),
    windowSeconds: z.int().min(1).default(10 * 60).describe('the sliding window they must fall within'),
    durationSeconds: z.int().min(1).default(60 * 60).describe('how long the ban lasts'),
  }),
  plan: (p) => ({
    groupBy: ['actor.ip'],
    signals: [
      {
        kind: 'distinct',
        when: { type: 'login_failure' },
        field: 'user.login',
        threshold: p.threshold,
        windowSeconds: p.windowSeconds,
        reason: 'login failures for {count} different users in {windowSeconds} s',
      },
    ],
    response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: p.durationSeconds },
  }),
});
