/**
 * The bounded table of token buckets (its arithmetic is pinned through the ingest limit, in
 * ingest-rate-limit.test.ts): what it keeps, what it drops, and that a spray of keys cannot grow it.
 */
import { checkBucketRate, TokenBuckets, type BucketRate } from './token-buckets';

const rate: BucketRate = { perSecond: 1, burst: 2 };

describe('TokenBuckets', () => {
  test('waiting for a bucket takes nothing and adds no bucket', () => {
    const buckets = new TokenBuckets(10, () => 0);
    expect(buckets.waitSeconds('a', rate)).toBe(0);
    expect(buckets.size).toBe(0);
    expect([buckets.take('a', rate), buckets.take('a', rate), buckets.take('a', rate)]).toEqual([0, 0, 1]);
    expect(buckets.waitSeconds('a', rate)).toBe(1);
    expect(buckets.waitSeconds('a', rate)).toBe(1);
  });

  test('a spray of keys never holds more than maxKeys buckets; the ones forgotten are counted', () => {
    const buckets = new TokenBuckets(100, () => 0);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      buckets.take(`key-${i}`, rate);
      most = Math.max(most, buckets.size);
    }
    expect([most, buckets.size]).toEqual([100, 100]);
    expect(buckets.forgotten).toBe(9_900);
  });

  test('refilled buckets are dropped before one still refilling is forgotten, and the least recently used is forgotten first', () => {
    const slow: BucketRate = { perSecond: 1, burst: 10 };
    let now = 0;
    const buckets = new TokenBuckets(3, () => now);
    buckets.take('idle', slow, 1); // full again at 1 s
    buckets.take('a', slow, 10);
    buckets.take('b', slow, 10);
    now = 2000;
    buckets.take('a', slow, 1); // used again: `b` is now the least recently used
    buckets.take('new', slow); // `idle` has refilled: dropped, nothing forgotten
    expect([buckets.size, buckets.forgotten]).toEqual([3, 0]);
    buckets.take('newer', slow); // only buckets still refilling: the least recently used (`b`) goes
    expect([buckets.size, buckets.forgotten]).toEqual([3, 1]);
    expect(buckets.waitSeconds('b', slow, 10)).toBe(0);
    expect(buckets.waitSeconds('a', slow, 10)).toBe(9);
  });

  test.each([
    ['a zero rate', { perSecond: 0, burst: 2 }, 'limit.perSecond: 0 is not allowed; expected a positive number'],
    ['a burst that is not a number', { perSecond: 1, burst: NaN }, 'limit.burst: NaN is not allowed; expected a positive number'],
  ])('%s is refused, naming the field', (_name, bad, message) => {
    expect(() => checkBucketRate(bad, 'limit')).toThrow(message);
  });

  test('a table of no size is refused', () => {
    expect(() => new TokenBuckets(0)).toThrow('maxKeys: 0 is not allowed; expected a whole number >= 1');
  });
});
