import { DetectorTester } from '../src/testing/detector-tester';
import { attack, request, times } from '../src/testing/factories';
import detector from './scanner';

const ip = '192.0.2.200';
const categories = ['sqli', 'xss', 'lfi', 'rce', 'ssrf', 'xxe'];

new DetectorTester(detector).run([
  {
    name: 'five attack categories within five minutes ban the IP for an hour',
    events: categories.slice(0, 5).map((category, i) => attack({ ip, category, at: i * 50 })),
    responses: [{ target: `ip:${ip}`, action: 'ban', durationSeconds: 3600, count: 5, reason: '5 different attack categories in 300 s' }],
  },
  {
    name: 'four categories, however many attacks, do not',
    events: times(40, (i) => attack({ ip, category: categories[i % 4] as string, at: i })),
    responses: [],
  },
  {
    name: 'thirty distinct missing paths within five minutes ban the IP',
    events: times(30, (i) => request({ ip, path: `/admin${i}.php`, status: 404, at: i * 5 })),
    responses: [{ target: `ip:${ip}`, count: 30, reason: '30 different missing paths (404) in 300 s' }],
  },
  {
    name: 'the same missing path requested again and again does not',
    events: times(60, (i) => request({ ip, path: '/favicon.ico', status: 404, at: i })),
    responses: [],
  },
  {
    name: 'paths that exist are not scanning',
    events: times(40, (i) => request({ ip, path: `/products/${i}`, status: 200, at: i })),
    responses: [],
  },
  {
    name: 'missing paths and attack categories are separate signals that do not add up',
    events: [
      ...categories.slice(0, 4).map((category, i) => attack({ ip, category, at: i })),
      ...times(29, (i) => request({ ip, path: `/x${i}`, status: 404, at: 10 + i })),
    ],
    responses: [],
  },
  {
    name: 'categories older than the window have left it',
    events: categories.slice(0, 5).map((category, i) => attack({ ip, category, at: i * 100 })),
    responses: [],
  },
]);
