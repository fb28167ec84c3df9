/**
 * The line `riposte start` leaves when a part fails ends with where to look, for each part
 * src/main/start.ts reports (its whole output is pinned by test/integration/embedded-thread-failure.test.ts
 * and test/e2e/start-failures.test.ts).
 */
import { nextStepAfterFailureOf } from './start';

test.each([
  ['local driver', /the stream exists.*IAM permissions or AWS endpoints/],
  ['digester', /retry queue \(RIPOSTE_RETRY_QUEUE_URL, else REDIS_URL\)/],
  ['embedded Kinesis (kinesalite)', /data folder under RIPOSTE_DATA_DIR/],
  ['embedded DynamoDB (dynalite)', /data folder under RIPOSTE_DATA_DIR/],
])('a failed %s is followed by where to look', (part, hint) => {
  expect(nextStepAfterFailureOf(part)).toMatch(hint);
});

test('a part without a hint gets none rather than a wrong one', () => {
  expect(nextStepAfterFailureOf('something new')).toBe('');
});
