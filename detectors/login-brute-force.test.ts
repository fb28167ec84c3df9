import { DetectorTester } from '../src/testing/detector-tester';
import { loginFailure, loginSuccess, times } from '../src/testing/factories';
import detector from './login-brute-force';

const ip = '203.0.113.7';

new DetectorTester(detector).run([
  {
    name: 'ten failures within a minute ban the IP for 15 minutes',
    events: times(10, (i) => loginFailure({ ip, login: 'alice', at: i * 5 })),
    responses: [{ target: `ip:${ip}`, action: 'ban', durationSeconds: 900, count: 10, at: 45, reason: '10 login failures in 60 s' }],
  },
  {
    name: 'nine failures do not',
    events: times(9, (i) => loginFailure({ ip, login: 'alice', at: i })),
    responses: [],
  },
  {
    name: 'ten failures spread over more than a minute do not',
    events: times(10, (i) => loginFailure({ ip, login: 'alice', at: i * 7 })),
    responses: [],
  },
  {
    name: 'ten failures within 59 s that straddle a minute boundary fire (sliding, not tumbling)',
    events: times(10, (i) => loginFailure({ ip, at: 30 + i * (59 / 9) })),
    responses: [{ target: `ip:${ip}`, count: 10 }],
  },
  {
    name: 'events exactly one window apart are not in the same window',
    params: { threshold: 2 },
    events: [loginFailure({ ip, at: 0 }), loginFailure({ ip, at: 60 })],
    responses: [],
  },
  {
    name: 'out-of-order reports from many agents are counted where they belong',
    events: [9, 1, 8, 2, 7, 3, 6, 4, 5, 0].map((s) => loginFailure({ ip, at: s })),
    responses: [{ target: `ip:${ip}`, count: 10, at: 0 }],
  },
  {
    name: 'a target already banned is not banned again while the ban lasts',
    events: times(40, (i) => loginFailure({ ip, at: i })),
    responses: [{ target: `ip:${ip}`, at: 9 }],
  },
  {
    name: 'a late report inside a window that already fired is not answered again',
    events: [...times(10, (i) => loginFailure({ ip, at: 10 + i })), loginFailure({ ip, at: 5 })],
    responses: [{ target: `ip:${ip}`, at: 19 }],
  },
  {
    name: 'after the ban expires a second burst bans again, twice as long',
    events: [...times(10, (i) => loginFailure({ ip, at: i })), ...times(10, (i) => loginFailure({ ip, at: 1000 + i }))],
    responses: [
      { target: `ip:${ip}`, at: 9, durationSeconds: 900 },
      { target: `ip:${ip}`, at: 1009, durationSeconds: 1800 },
    ],
  },
  {
    name: 'failures reported as blocked by a Riposte ban are not counted',
    events: times(12, (i) => loginFailure({ ip, at: i, props: { blockedBy: 'resp-1' } })),
    responses: [],
  },
  {
    name: 'successful logins do not count',
    events: times(12, (i) => loginSuccess({ ip, login: 'alice', at: i })),
    responses: [],
  },
  {
    name: 'an allowlisted range is never banned',
    allowlist: { ips: ['203.0.113.0/24'] },
    events: times(12, (i) => loginFailure({ ip, at: i })),
    responses: [],
  },
  {
    name: 'an IPv6 attacker is banned by its /64, however many of its addresses it uses',
    events: times(10, (i) => loginFailure({ ip: `2001:db8::${i + 1}`, at: i })),
    responses: [{ target: 'ip:2001:db8::/64' }],
  },
  {
    name: 'each application counts its own failures',
    events: times(10, (i) => loginFailure({ ip, at: i, app: i % 2 === 0 ? 'shop' : 'blog' })),
    responses: [],
  },
  {
    name: 'a duplicate report is counted once',
    events: times(10, (i) => loginFailure({ ip, at: Math.floor(i / 2), id: `agent-1:${Math.floor(i / 2)}` })),
    responses: [],
  },
  {
    name: 'per-application overrides change the threshold',
    params: { threshold: 3, windowSeconds: 10 },
    events: times(3, (i) => loginFailure({ ip, at: i })),
    responses: [{ target: `ip:${ip}`, count: 3 }],
  },
  {
    name: 'in simulation mode the response is written but marked simulated',
    simulate: true,
    events: times(10, (i) => loginFailure({ ip, at: i })),
    responses: [{ target: `ip:${ip}`, simulated: true }],
  },
  {
    name: 'cutting the stream into small batches changes nothing',
    batchSize: 3,
    events: times(10, (i) => loginFailure({ ip, at: i })),
    responses: [{ target: `ip:${ip}`, at: 9 }],
  },
]);
