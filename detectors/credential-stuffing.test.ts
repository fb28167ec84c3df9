import { DetectorTester } from '../src/testing/detector-tester';
import { loginFailure, times } from '../src/testing/factories';
import detector from './credential-stuffing';

const ip = '198.51.100.23';

new DetectorTester(detector).run([
  {
    name: 'twenty different users failing from one IP within ten minutes ban it for an hour',
    events: times(20, (i) => loginFailure({ ip, login: `user${i}@example.com`, at: i * 25 })),
    responses: [{ target: `ip:${ip}`, action: 'ban', durationSeconds: 3600, count: 20, at: 475, reason: 'login failures for 20 different users in 600 s' }],
  },
  {
    name: 'nineteen different users do not',
    events: times(19, (i) => loginFailure({ ip, login: `user${i}@example.com`, at: i })),
    responses: [],
  },
  {
    name: 'one user failing many times is not stuffing',
    events: times(40, (i) => loginFailure({ ip, login: 'alice@example.com', at: i * 2 })),
    responses: [],
  },
  {
    name: 'users spread over more than the window do not add up',
    events: times(20, (i) => loginFailure({ ip, login: `user${i}@example.com`, at: i * 40 })),
    responses: [],
  },
  {
    name: 'failures without a login are not counted as users',
    events: times(25, (i) => loginFailure({ ip, at: i })),
    responses: [],
  },
  {
    name: 'the evidence names the first logins tried',
    params: { threshold: 3 },
    events: ['a', 'b', 'c'].map((login, i) => loginFailure({ ip, login, at: i })),
    responses: [{ target: `ip:${ip}`, count: 3 }],
  },
  {
    name: 'different IPs each trying a few users are not stuffing',
    events: times(40, (i) => loginFailure({ ip: `198.51.100.${i % 4}`, login: `user${i}`, at: i })),
    responses: [],
  },
]);
