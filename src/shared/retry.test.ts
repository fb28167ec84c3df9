import { ConditionalCheckFailedException, InternalServerError, ThrottlingException } from '@aws-sdk/client-dynamodb';
import {
  ExpiredIteratorException,
  InvalidArgumentException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { AbortError } from '../core/abort';
import { backoffPolicy, delaysPolicy, isTransient, retrying, type RetryPolicy } from './retry';

const meta = (httpStatusCode: number) => ({ message: 'from the service', $metadata: { httpStatusCode } });
const withCode = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('isTransient: which failures are worth another attempt', () => {
  it.each<[string, unknown, boolean]>([
    ['throttling (DynamoDB) is transient', new ThrottlingException(meta(400)), true],
    ['a shard over its throughput (Kinesis)', new ProvisionedThroughputExceededException(meta(400)), true],
    ['a server fault (5xx)', new InternalServerError(meta(500)), true],
    ['a 503 of any name', Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }), true],
    ['a connection reset', withCode('ECONNRESET'), true],
    ['a connection refused', withCode('ECONNREFUSED'), true],
    ['a name that did not resolve', withCode('EAI_AGAIN'), true],
    ['the SDK timing out', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['an error that is no AWS answer (Redis, a file, a fake)', new Error('Connection is closed.'), true],
    ['a validation error', Object.assign(new Error('item too large'), { name: 'ValidationException', $fault: 'client', $metadata: { httpStatusCode: 400 } }), false],
    ['a validation error without metadata', Object.assign(new Error('bad'), { name: 'ValidationException' }), false],
    ['a failed condition', new ConditionalCheckFailedException(meta(400)), false],
    ['an invalid argument', new InvalidArgumentException(meta(400)), false],
    ['a missing resource', new ResourceNotFoundException(meta(400)), false],
    ['an expired iterator', new ExpiredIteratorException(meta(400)), false],
    ['an abort', new AbortError('stopping'), false],
    ['a DOM abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), false],
    ['a thrown string', 'oops', false],
  ])('%s', (_what, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});

/** An attempt that fails with `failures` in turn, then resolves 'done'; counts its calls. */
function flaky(...failures: unknown[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return 'done';
    },
    calls: () => calls,
  };
}

const quick: RetryPolicy = { delayMs: () => 1, attempts: Infinity };

describe('retrying', () => {
  it('tries again after transient failures, waiting as the policy says, until it succeeds', async () => {
    const { attempt, calls } = flaky(new ThrottlingException(meta(400)), withCode('ECONNRESET'));
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const result = await retrying(attempt, delaysPolicy([3, 7]), { onRetry: (_error, next) => retries.push(next) });
    expect(result).toBe('done');
    expect(calls()).toBe(3);
    expect(retries).toEqual([
      { attempt: 1, delayMs: 3 },
      { attempt: 2, delayMs: 7 },
    ]);
  });

  it.each<[string, unknown]>([
    ['a validation error', Object.assign(new Error('item too large'), { name: 'ValidationException', $fault: 'client' })],
    ['a failed condition', new ConditionalCheckFailedException(meta(400))],
    ['an abort of the attempt', new AbortError('the request was aborted')],
  ])('does not retry %s: it rejects with it after one attempt', async (_what, failure) => {
    const { attempt, calls } = flaky(failure);
    await expect(retrying(attempt, quick)).rejects.toBe(failure);
    expect(calls()).toBe(1);
  });

  it('rejects with the last failure once the attempts are spent', async () => {
    const last = withCode('ETIMEDOUT');
    const { attempt, calls } = flaky(withCode('ECONNRESET'), withCode('ECONNRESET'), last, withCode('ECONNRESET'));
    await expect(retrying(attempt, { ...quick, attempts: 3 })).rejects.toBe(last);
    expect(calls()).toBe(3);
  });

  it('retries what the policy calls retryable, and only that', async () => {
    const refused = new Error('refused for good');
    const { attempt, calls } = flaky(new Error('try again'), refused);
    await expect(retrying(attempt, { ...quick, retryable: (e) => (e as Error).message === 'try again' })).rejects.toBe(refused);
    expect(calls()).toBe(2);
  });

  it('an abort during the wait ends it at once with an AbortError', async () => {
    const controller = new AbortController();
    const { attempt, calls } = flaky(withCode('ECONNRESET'));
    let waiting!: () => void;
    const retried = new Promise<void>((resolve) => (waiting = resolve));
    const running = retrying(attempt, backoffPolicy({ initialMs: 60_000, maxMs: 60_000 }), { signal: controller.signal, onRetry: () => waiting() });
    await retried;
    const started = Date.now();
    controller.abort(new Error('stop deadline passed'));
    await expect(running).rejects.toMatchObject({ name: 'AbortError', message: 'stop deadline passed' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls()).toBe(1);
  });

  it('an abort during an attempt that hangs ends it at once with an AbortError', async () => {
    const controller = new AbortController();
    let began!: () => void;
    const hanging = new Promise<void>((resolve) => (began = resolve));
    const running = retrying(
      () => {
        began();
        return new Promise<never>(() => undefined);
      },
      quick,
      { signal: controller.signal },
    );
    await hanging;
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortError);
  });

  it('makes no attempt once the signal has aborted', async () => {
    const { attempt, calls } = flaky();
    await expect(retrying(attempt, quick, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(calls()).toBe(0);
  });
});
