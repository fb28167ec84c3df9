/**
 * The simulator's benign traffic must never be answered by the built-in detectors at their defaults
 * — otherwise a false positive it reports would be its own doing. Ten minutes of event time (every
 * window of every detector fills), at several rates and seeds, through the real engine.
 */
import { AddressBook, benignAction, benignUserCount, benignUsers } from './actors';
import { Random } from './random';
import { referenceResponses } from '../../test/helpers/reference';

function benignTraffic(seed: number, rate: number, seconds: number): object[] {
  const random = new Random(seed);
  const users = benignUsers(random, new AddressBook(random), benignUserCount(rate));
  const start = Date.parse('2026-11-28T12:00:00.000Z');
  const events: object[] = [];
  while (events.length < rate * seconds) {
    const ts = new Date(start + Math.round((events.length / rate) * 1000)).toISOString();
    for (const event of benignAction(random, users)) events.push({ v: 1, appId: 'app-1', ts, ...event });
  }
  return events;
}

describe('benign traffic', () => {
  it.each([
    { seed: 1, rate: 20 },
    { seed: 2, rate: 20 },
    { seed: 3, rate: 50 },
    { seed: 4, rate: 200 },
  ])('sets off no built-in detector (seed $seed, $rate events/s for 10 minutes)', async ({ seed, rate }) => {
    const responses = await referenceResponses(benignTraffic(seed, rate, 600));
    expect(responses.map((r) => `${r.detector} ${r.target.type} ${r.target.value}: ${r.reason}`)).toEqual([]);
  });

  it('would be answered if it were an attack: one user failing every few seconds from one address is banned', async () => {
    // The check above can fail: the same engine answers a benign-looking user who fails too often.
    const events = Array.from({ length: 12 }, (_, i) => ({ v: 1, appId: 'app-1', ts: new Date(Date.parse('2026-11-28T12:00:00.000Z') + i * 4000).toISOString(), type: 'login_failure', actor: { ip: '198.18.0.9' }, user: { login: 'alice@example.com' } }));
    expect((await referenceResponses(events)).map((r) => r.detector)).toEqual(['login-brute-force']);
  });
});
