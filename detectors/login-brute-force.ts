import { z } from 'zod';
import { defineDetector } from '../src/core/detector';

/** Password guessing: many failed logins from one address, against one account or a few. */
export default defineDetector({
  name: 'login-brute-force',
  description: 'Bans an IP address that fails to log in many times in a short while.',
  params: z.object({
    threshold: z.int().min(2).default(10).describe('failed logins from one IP that trigger the ban'),
    windowSeconds: z.int().min(1).default(60).describe('the sliding window they must fall within'),
    durationSeconds: z.int().min(1).default(15 * 60).describe('how long the ban lasts'),
  }),
  plan: (p) => ({
    groupBy: ['actor.ip'],
    signals: [
      {
        kind: 'count',
        when: { type: 'login_failure' },
        threshold: p.threshold,
        windowSeconds: p.windowSeconds,
        reason: '{count} login failures in {windowSeconds} s',
      },
    ],
    response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: p.durationSeconds },
  }),
});
