/**
 * The overview's figures: detections and responses in force per minute, derived from the responses,
 * and events per minute, counted from what the ingest API accepted.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ADMIN_TOKEN, bearer, startApiHarness, type ApiHarness } from '../../../test/helpers/api-harness';
import { startLocalKinesis, type LocalKinesis } from '../../../test/helpers/local-kinesis';
import { loginFailure } from '../../testing/factories';
import { MemoryResponseStore } from '../../sinks/memory-store';
import { MINUTE_MS } from './event-counts';
import { lastMinutes, responseSeries, type TimelineResponse } from './overview';

const NOW = Date.parse('2026-11-28T12:00:30Z');
const minutes = lastMinutes(NOW, 5); // 11:56 … 12:00, the last one under way
const at = (hhmmss: string) => `2026-11-28T${hhmmss}Z`;
const response = (o: Partial<TimelineResponse> & { createdAt: string; expiresAt: string }): TimelineResponse => ({
  action: 'ban',
  detector: 'login-brute-force',
  revokedAt: null,
  simulated: false,
  ...o,
});

describe('responseSeries', () => {
  test.each([
    [
      'a ban counts as a detection in its minute and is in force from then until it expires',
      [response({ createdAt: at('11:57:10'), expiresAt: at('11:59:10') })],
      { detections: { 'login-brute-force': [0, 1, 0, 0, 0] }, activeBans: [0, 1, 1, 0, 0], activeRedirects: [0, 0, 0, 0, 0] },
    ],
    [
      'a revoked ban is in force until its revoke',
      [response({ createdAt: at('11:56:00'), expiresAt: at('13:00:00'), revokedAt: at('11:58:30') })],
      { detections: { 'login-brute-force': [1, 0, 0, 0, 0] }, activeBans: [1, 1, 0, 0, 0], activeRedirects: [0, 0, 0, 0, 0] },
    ],
    [
      'a simulated response is a detection but never in force',
      [response({ createdAt: at('12:00:01'), expiresAt: at('13:00:00'), simulated: true, detector: 'scanner' })],
      { detections: { scanner: [0, 0, 0, 0, 1] }, activeBans: [0, 0, 0, 0, 0], activeRedirects: [0, 0, 0, 0, 0] },
    ],
    [
      'a redirect created before the hour and still in force counts as in force, not as a detection',
      [response({ action: 'redirect', detector: 'account-takeover', createdAt: at('10:00:00'), expiresAt: at('12:30:00') })],
      { detections: {}, activeBans: [0, 0, 0, 0, 0], activeRedirects: [1, 1, 1, 1, 1] },
    ],
    [
      'detections are counted by detector',
      [
        response({ createdAt: at('11:59:01'), expiresAt: at('13:00:00') }),
        response({ createdAt: at('11:59:02'), expiresAt: at('13:00:00'), detector: 'scanner' }),
        response({ createdAt: at('11:59:03'), expiresAt: at('13:00:00') }),
      ],
      { detections: { 'login-brute-force': [0, 0, 0, 2, 0], scanner: [0, 0, 0, 1, 0] }, activeBans: [0, 0, 0, 3, 3], activeRedirects: [0, 0, 0, 0, 0] },
    ],
  ])('%s', (_name, responses, expected) => {
    expect(responseSeries(responses, minutes, NOW)).toEqual(expected);
  });

  test('the minutes end with the one under way', () => {
    expect(minutes.map((m) => new Date(m).toISOString())).toEqual(['11:56', '11:57', '11:58', '11:59', '12:00'].map((m) => at(`${m}:00.000`)));
  });
});

describe('GET /v1/admin/overview', () => {
  let local: LocalKinesis;
  let kinesis: KinesisClient;
  let api: ApiHarness;
  const store = new MemoryResponseStore();
  beforeAll(async () => {
    local = await startLocalKinesis();
    kinesis = local.client();
    api = await startApiHarness({ kinesis, apps: ['shop', 'blog'], reader: store, overrides: { console: { timeline: store } } });
  });
  afterAll(async () => {
    await api.close();
    await local.close();
  });

  test('counts the events the ingest API accepted, per application, in the current minute', async () => {
    const post = (events: unknown[]) => api.app.inject({ method: 'POST', url: '/v1/events', headers: bearer(api.tokens.shop as string), payload: { events } });
    expect((await post([loginFailure({ ip: '203.0.113.1', at: 0 }), loginFailure({ ip: '203.0.113.1', at: 1 }), { v: 1, type: 'nonsense' }])).statusCode).toBe(202);
    expect((await post([{ v: 1 }])).statusCode).toBe(400);
    const response = await api.app.inject({ method: 'GET', url: '/v1/admin/overview', headers: bearer(ADMIN_TOKEN) });
    const body = response.json() as { minutes: number[]; apps: { appId: string; events: number[] }[] };
    expect(body.minutes).toHaveLength(60);
    expect(body.minutes[59]).toBe(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
    expect(body.apps.find((a) => a.appId === 'shop')?.events.at(-1)).toBe(2);
    expect(body.apps.find((a) => a.appId === 'blog')?.events.every((n) => n === 0)).toBe(true);
  });
});
