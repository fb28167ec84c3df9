import { z } from 'zod';
import { defineDetector } from '../src/core/detector';

/**
 * A vulnerability scanner: it tries many kinds of attack, or walks many paths that do not exist.
 * Either signature alone is enough.
 */
export default defineDetector({
  name: 'scanner',
  description: 'Bans an IP address that tries many attack categories or requests many missing paths.',
  params: z.object({
    categoryThreshold: z.int().min(2).default(5).describe('distinct attack categories from one IP'),
    pathThreshold: z.int().min(2).default(30).describe('distinct paths answered 404 to one IP'),
    windowSeconds: z.int().min(1).default(5 * 60).describe('the sliding window both signals count within'),
    durationSeconds: z.int().min(1).default(60 * 60).describe('how long the ban lasts'),
  }),
  plan: (p) => ({
    groupBy: ['actor.ip'],
    signals: [
      {
        kind: 'distinct',
        when: { type: 'attack' },
        field: 'attack.category',
        threshold: p.categoryThreshold,
        windowSeconds: p.windowSeconds,
        reason: '{count} different attack categories in {windowSeconds} s',
      },
      {
        kind: 'distinct',
        when: { type: 'request', 'request.status': 404 },
        field: 'request.path',
        threshold: p.pathThreshold,
        windowSeconds: p.windowSeconds,
        reason: '{count} different missing paths (404) in {windowSeconds} s',
      },
    ],
    response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: p.durationSeconds },
  }),
});
