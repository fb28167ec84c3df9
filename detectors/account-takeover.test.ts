import { DetectorTester } from '../src/testing/detector-tester';
import { loginFailure, times } from '../src/testing/factories';
import detector from './account-takeover';

const login = 'alice@example.com';

new DetectorTester(detector).run([
  {
    name: 'one user failing from ten IPs within ten minutes is redirected for 30 minutes',
    events: times(10, (i) => loginFailure({ ip: `192.0.2.${i + 1}`, login, at: i * 30 })),
    responses: [
      {
        target: `user:${login}`,
        action: 'redirect',
        redirectUrl: '/security-check',
        durationSeconds: 1800,
        count: 10,
        reason: 'login failures from 10 different IP addresses in 600 s',
      },
    ],
  },
  {
    name: 'nine IPs do not',
    events: times(9, (i) => loginFailure({ ip: `192.0.2.${i + 1}`, login, at: i })),
    responses: [],
  },
  {
    name: 'one IP failing many times is brute force, not takeover',
    events: times(30, (i) => loginFailure({ ip: '192.0.2.1', login, at: i })),
    responses: [],
  },
  {
    name: 'IPv4 and IPv6 addresses both count as distinct sources',
    params: { threshold: 2 },
    events: [loginFailure({ ip: '192.0.2.1', login, at: 0 }), loginFailure({ ip: '2001:db8::1', login, at: 1 })],
    responses: [{ target: `user:${login}` }],
  },
  {
    name: 'the redirect URL is a per-application setting',
    params: { threshold: 2, redirectUrl: '/verify-identity' },
    events: [loginFailure({ ip: '192.0.2.1', login, at: 0 }), loginFailure({ ip: '192.0.2.2', login, at: 1 })],
    responses: [{ target: `user:${login}`, redirectUrl: '/verify-identity' }],
  },
  {
    name: 'an allowlisted user is never redirected',
    allowlist: { users: [login] },
    events: times(12, (i) => loginFailure({ ip: `192.0.2.${i + 1}`, login, at: i })),
    responses: [],
  },
]);
