import { DetectorTester } from '../src/testing/detector-tester';
import { attack, loginFailure, times } from '../src/testing/factories';
import detector from './attack-flood';

const ip = '203.0.113.99';

new DetectorTester(detector).run([
  {
    name: 'twenty attacks within a minute ban the IP for an hour',
    events: times(20, (i) => attack({ ip, category: 'sqli', at: i * 3 })),
    responses: [{ target: `ip:${ip}`, action: 'ban', durationSeconds: 3600, count: 20, reason: '20 attacks in 60 s' }],
  },
  {
    name: 'nineteen attacks do not',
    events: times(19, (i) => attack({ ip, category: 'sqli', at: i })),
    responses: [],
  },
  {
    name: 'a slow trickle of attacks does not',
    events: times(40, (i) => attack({ ip, category: 'xss', at: i * 4 })),
    responses: [],
  },
  {
    name: 'failed logins are not attacks',
    events: times(30, (i) => loginFailure({ ip, at: i })),
    responses: [],
  },
  {
    name: 'a repeat offender within the look-back gets the factor applied per prior response',
    repeatOffenders: { factor: 3 },
    events: [0, 4000, 16000].flatMap((start) => times(20, (i) => attack({ ip, category: 'sqli', at: start + i }))),
    responses: [
      { target: `ip:${ip}`, durationSeconds: 3600 },
      { target: `ip:${ip}`, durationSeconds: 10800 },
      { target: `ip:${ip}`, durationSeconds: 32400 },
    ],
  },
  {
    name: 'repeat durations stop at the policy maximum',
    repeatOffenders: { factor: 10, maxDurationSeconds: 7200 },
    events: [0, 4000].flatMap((start) => times(20, (i) => attack({ ip, category: 'sqli', at: start + i }))),
    responses: [
      { target: `ip:${ip}`, durationSeconds: 3600 },
      { target: `ip:${ip}`, durationSeconds: 7200 },
    ],
  },
]);
