import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveProperties, propertiesFromEnv, propertyValue } from './properties';

const base = readFileSync(join(__dirname, '..', '..', '..', 'kcl.properties'), 'utf8');

describe('deriveProperties', () => {
  it.each([
    ['replaces an active line', { failoverTimeMillis: 4000 }, 'failoverTimeMillis', '4000'],
    ['uncomments a commented-out key', { kinesisEndpoint: 'http://127.0.0.1:4568' }, 'kinesisEndpoint', 'http://127.0.0.1:4568'],
    ['appends a key the file does not mention', { maxLeasesForWorker: 2 }, 'maxLeasesForWorker', '2'],
    ['sets the local metrics level over SUMMARY', { metricsLevel: 'NONE' }, 'metricsLevel', 'NONE'],
  ] as const)('%s', (_name, set, key, value) => {
    const derived = deriveProperties(base, set);
    expect(propertyValue(derived, key)).toBe(value);
    expect(derived.match(new RegExp(`^${key}\\s*=`, 'gm'))).toHaveLength(1); // one active line, never two
    expect(propertyValue(derived, 'executableName')).toBe('node bin/riposte.js kcl'); // the rest untouched
  });

  it('refuses a key the daemon would silently ignore, naming the known ones', () => {
    expect(() => deriveProperties(base, { failoverTimeMilis: 1 } as never)).toThrow(/unknown KCL property "failoverTimeMilis".*failoverTimeMillis/);
  });
});

describe('propertiesFromEnv', () => {
  it.each([
    ['AWS itself: only the region and names', { AWS_REGION: 'eu-west-1', RIPOSTE_STREAM: 'events' }, { regionName: 'eu-west-1', streamName: 'events' }],
    [
      'local endpoints: the daemon is pointed at them, CloudWatch metrics off',
      { AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:2', RIPOSTE_KCL_APPLICATION: 'detector-2' },
      { kinesisEndpoint: 'http://127.0.0.1:1', dynamoDBEndpoint: 'http://127.0.0.1:2', metricsLevel: 'NONE', applicationName: 'detector-2' },
    ],
    ['the general endpoint serves both', { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }, { kinesisEndpoint: 'http://127.0.0.1:9', dynamoDBEndpoint: 'http://127.0.0.1:9', metricsLevel: 'NONE' }],
    ['empty is unset', { AWS_ENDPOINT_URL_KINESIS: '', AWS_REGION: '' }, {}],
  ])('%s', (_name, env, expected) => {
    expect(propertiesFromEnv(env)).toEqual(expected);
  });
});
