/**
 * The per-application ingest rate: the token bucket's arithmetic (a table on a fake clock), where
 * the rates come from, and, over HTTP against a real stream, that one application's flood is refused
 * while another's events and agent reads go through untouched.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { bearer, startApiHarness, type ApiHarness } from '../../test/helpers/api-harness';
import { readStream, startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { waitFor } from '../../test/helpers/wait';
import { loginFailure, times } from '../testing/factories';
import { DEFAULT_INGEST_RATE, IngestRateLimiter, rateFromSettings, type IngestRate } from './ingest-rate-limit';

describe('IngestRateLimiter', () => {
  const rate: IngestRate = { eventsPerSecond: 100, burstEvents: 200 };
  type Step = [atMs: number, events: number, expected: true | number];
  test.each<[string, Step[]]>([
    ['a new application starts with a full burst', [[0, 200, true], [0, 1, 1]]],
    ['the bucket refills at the rate', [[0, 200, true], [500, 50, true], [500, 1, 1]]],
    ['it refills no further than the burst', [[0, 200, true], [60_000, 200, true], [60_000, 1, 1]]],
    ['Retry-After is the time to refill what the request needs', [[0, 200, true], [0, 150, 2], [1000, 150, 1], [1500, 150, true]]],
    ['a request larger than the burst passes when the bucket is full, and leaves it in debt', [[0, 500, true], [1000, 1, 3], [4000, 100, true]]],
    ['a refused request takes nothing', [[0, 150, true], [0, 100, 1], [0, 50, true]]],
  ])('%s', (_name, steps) => {
    let now = 0;
    const limiter = new IngestRateLimiter(() => rate, () => now);
    for (const [atMs, events, expected] of steps) {
      now = atMs;
      const decision = limiter.take('shop', events);
      expect(decision.ok ? true : decision.retryAfterSeconds).toBe(expected);
    }
  });

  test('applications have buckets of their own, and refusals are counted per application', () => {
    const limiter = new IngestRateLimiter(() => rate, () => 0);
    expect(limiter.take('shop', 200).ok).toBe(true);
    expect(limiter.take('shop', 10).ok).toBe(false);
    expect(limiter.take('blog', 200).ok).toBe(true);
    expect([...limiter.refused]).toEqual([['shop', 10]]);
  });
});

describe('rateFromSettings', () => {
  const record = (settings: Record<string, unknown>) => ({ settings });
  const apps = new Map([
    ['big', record({ ingest: { eventsPerSecond: 50_000 } })],
    ['plain', record({})],
    ['broken', record({ ingest: { eventsPerSecond: 'fast', burstEvents: -1 } })],
  ]);
  const rateOf = rateFromSettings({
    apps: () => apps,
    base: { defaults: { ingest: { burstEvents: 20_000 } }, apps: { big: { ingest: { eventsPerSecond: 1 } }, 'file-only': { ingest: { eventsPerSecond: 7 } } } },
  });
  test.each<[string, string, IngestRate]>([
    ["an application's own setting wins over the defaults", 'big', { eventsPerSecond: 50_000, burstEvents: 20_000 }],
    ['the registry record replaces the settings file entry of the same application', 'big', { eventsPerSecond: 50_000, burstEvents: 20_000 }],
    ['an application without a setting gets the defaults of the settings file', 'plain', { eventsPerSecond: DEFAULT_INGEST_RATE.eventsPerSecond, burstEvents: 20_000 }],
    ['an application only in the settings file gets its entry there', 'file-only', { eventsPerSecond: 7, burstEvents: 20_000 }],
    ['values that are not positive numbers are ignored', 'broken', { eventsPerSecond: DEFAULT_INGEST_RATE.eventsPerSecond, burstEvents: 20_000 }],
  ])('%s', (_name, appId, expected) => {
    expect(rateOf(appId)).toEqual(expected);
  });
});

describe('one application over its rate', () => {
  let local: LocalKinesis;
  let kinesis: KinesisClient;
  let api: ApiHarness;
  beforeAll(async () => {
    local = await startLocalKinesis();
    kinesis = local.client();
    api = await startApiHarness({ kinesis, apps: ['noisy', 'quiet'] });
    await api.registry.configure('noisy', { settings: { ingest: { eventsPerSecond: 1, burstEvents: 50 } } });
    await waitFor('the server to see the new setting', () => api.watcher.snapshot.apps.get('noisy')?.settings.ingest !== undefined);
  });
  afterAll(async () => {
    await api.close();
    await local.close();
  });

  const post = (app: string, events: readonly object[]) =>
    api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(api.tokens[app] as string), payload: { events } });

  test('is refused with 429 and Retry-After, while the other application is not touched', async () => {
    const batch = (app: string, n: number) => times(10, (i) => ({ ...loginFailure({ ip: `10.0.${n}.${i}`, at: i }), id: `${app}-${n}-${i}` }));
    // The noisy application floods (twenty requests of ten events against a burst of 50, refilled
    // at one event a second: a slow run does not let another request in) while the
    // quiet one sends its usual traffic and its agents read their responses.
    const [noisy, quiet, reads] = await Promise.all([
      Promise.all(times(20, (n) => post('noisy', batch('noisy', n)))),
      Promise.all(times(10, (n) => post('quiet', batch('quiet', n)))),
      Promise.all(times(5, () => api.app.inject({ method: 'GET', url: '/v1/agent/responses', headers: bearer(api.tokens.quiet as string) }))),
    ]);
    const accepted = noisy.filter((r) => r.statusCode === 202);
    const limited = noisy.filter((r) => r.statusCode === 429);
    expect(accepted.length).toBe(5);
    expect(limited.length).toBe(15);
    expect(Number(limited[0]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited[0]?.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('application noisy may send 1 events per second (bursts of 50)') });
    expect(quiet.map((r) => r.statusCode)).toEqual(times(10, () => 202));
    expect(reads.map((r) => r.statusCode)).toEqual(times(5, () => 200));

    const onStream = await readStream(kinesis, api.streamName);
    expect(onStream.filter((r) => r.partitionKey === 'quiet')).toHaveLength(100);
    expect(onStream.filter((r) => r.partitionKey === 'noisy')).toHaveLength(50);
    const metrics = await api.metrics.metrics();
    expect(metrics).toContain('riposte_ingest_rate_limited_events_total{app="noisy"} 150');
    expect(metrics).not.toContain('riposte_ingest_rate_limited_events_total{app="quiet"}');
  });
});
