import { z } from 'zod';
import { defineDetector } from '../src/core/detector';

/**
 * An address that keeps sending attacks. Each one was blocked by an agent, but an attacker firing
 * dozens a minute is probing for the one rule that is missing: stop talking to it.
 */
export default defineDetector({
  name: 'attack-flood',
  description: 'Bans an IP address that sends many attacks in a short while.',
  params: z.object({
    threshold: z.int().min(2).default(20).describe('attacks from one IP that trigger the ban'),
    windowSeconds: z.int().min(1).default(60).describe('the sliding window they must fall within'),
    durationSeconds: z.int().min(1).default(60 * 60).describe('how long the ban lasts'),
  }),
  plan: (p) => ({
    groupBy: ['actor.ip'],
    signals: [
      {
        kind: 'count',
        when: { type: 'attack' },
        threshold: p.threshold,
        windowSeconds: p.windowSeconds,
        reason: '{count} attacks in {windowSeconds} s',
      },
    ],
    response: { action: 'ban', target: { type: 'ip', field: 'actor.ip' }, durationSeconds: p.durationSeconds },
  }),
});
