import { awsEndpointsConfigured, EnvError, environmentHelp, loadEnv } from './env';

describe('the environment', () => {
  it('has a default for everything, so an empty environment starts', () => {
    expect(loadEnv({})).toMatchObject({ PORT: 8080, RIPOSTE_STREAM: 'riposte-events', RIPOSTE_LATENESS_SECONDS: 120, LOG_LEVEL: 'info' });
  });

  it.each([
    ['PORT', '99999', 'PORT="99999": must be a port number from 0 to 65535'],
    ['PORT', 'eighty', 'PORT="eighty": must be a port number from 0 to 65535'],
    ['RIPOSTE_LATENESS_SECONDS', '-1', 'RIPOSTE_LATENESS_SECONDS="-1": must be a whole number of seconds (0 or more)'],
    ['RIPOSTE_MAX_WINDOW_STATES', '10', 'RIPOSTE_MAX_WINDOW_STATES="10": must be a whole number of at least 1000'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL="localhost:6379": must be a redis:// or rediss:// URL'],
    ['RIPOSTE_RETRY_QUEUE_URL', 'riposte-retry', 'RIPOSTE_RETRY_QUEUE_URL="riposte-retry": must be an SQS queue URL'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL="verbose": Invalid option: expected one of'],
    ['RIPOSTE_STREAM', 'my stream', 'RIPOSTE_STREAM="my stream": Invalid string'],
    ['RIPOSTE_USE_AWS', 'true', 'RIPOSTE_USE_AWS="true": must be 1 (use real AWS) or 0 (the default)'],
    ['RIPOSTE_TRUSTED_PROXIES', '10.0.0.0/16, my-balancer', 'RIPOSTE_TRUSTED_PROXIES="10.0.0.0/16, my-balancer": "my-balancer" is not an address, a CIDR range'],
    ['RIPOSTE_TRUSTED_PROXIES', '10.0.0.0/33', 'RIPOSTE_TRUSTED_PROXIES="10.0.0.0/33": "10.0.0.0/33" is not an address'],
  ])('refuses %s=%s, naming the variable, the value and what is allowed', (name, value, message) => {
    expect(() => loadEnv({ [name]: value })).toThrow(EnvError);
    expect(() => loadEnv({ [name]: value })).toThrow(message);
  });

  it('reads the trusted proxies as a list: addresses, CIDR ranges, named ranges', () => {
    expect(loadEnv({}).RIPOSTE_TRUSTED_PROXIES).toEqual([]);
    expect(loadEnv({ RIPOSTE_TRUSTED_PROXIES: ' 10.0.0.0/16,fd00::/8 ,loopback,192.0.2.7' }).RIPOSTE_TRUSTED_PROXIES).toEqual(['10.0.0.0/16', 'fd00::/8', 'loopback', '192.0.2.7']);
  });

  it('lists every problem at once, and never shows a token', () => {
    let error: Error | undefined;
    try {
      loadEnv({ PORT: 'x', RIPOSTE_ADMIN_TOKEN: 'short-secret' });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/PORT="x"/);
    expect(error?.message).toMatch(/RIPOSTE_ADMIN_TOKEN=\(hidden\): must be at least 16 characters/);
    expect(error?.message).not.toContain('short-secret');
  });

  it('is embedded unless the AWS SDK is pointed at endpoints, or told to use AWS', () => {
    expect(awsEndpointsConfigured({})).toBe(false);
    expect(awsEndpointsConfigured({ AWS_ENDPOINT_URL_DYNAMODB: 'http://localhost:8000' })).toBe(true);
    expect(awsEndpointsConfigured({ RIPOSTE_USE_AWS: '1' })).toBe(true);
    expect(loadEnv({ RIPOSTE_USE_AWS: '' }).RIPOSTE_USE_AWS).toBeUndefined();
    expect(loadEnv({ RIPOSTE_USE_AWS: '0' }).RIPOSTE_USE_AWS).toBe('0');
  });

  it('explains every variable in --help', () => {
    const help = environmentHelp();
    for (const name of ['PORT', 'RIPOSTE_DATA_DIR', 'REDIS_URL', 'RIPOSTE_MAX_WINDOW_STATES', 'RIPOSTE_USE_AWS', 'AWS_ENDPOINT_URL_KINESIS']) expect(help).toContain(name);
    expect(help).toContain('(default: 8080)');
  });
});
