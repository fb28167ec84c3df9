/** PutRecords under the one retry policy, against a real stream on kinesalite. */
import { throttlingKinesisClient } from '../../test/helpers/kinesis-faults';
import { readStream, startLocalKinesis, type LocalKinesis } from '../../test/helpers/local-kinesis';
import { RecordingLogger } from '../../test/helpers/recording-logger';
import { putWithRetries, type PutEntry } from './ingest-put-records';

let local: LocalKinesis;
beforeAll(async () => {
  local = await startLocalKinesis();
});
afterAll(() => local.close());

const entries: PutEntry[] = ['one', 'two', 'three'].map((text) => ({ data: Buffer.from(text), partitionKey: 'shop' }));
const options = (logger = new RecordingLogger()) => ({ attempts: 5, baseDelayMs: 1, maxDelayMs: 2, logger });

test('entries the stream throttles are sent again until they are written', async () => {
  const stream = await local.stream(1);
  const throttling = throttlingKinesisClient(local.endpoint, (call, _index, data) => call <= 2 && Buffer.from(data).toString() === 'two');
  const outcome = await putWithRetries(throttling.client, stream, entries, options());
  expect(outcome).toEqual({ failed: [], lastError: expect.stringMatching(/^ProvisionedThroughputExceededException/), calls: 3 });
  expect((await readStream(local.client(), stream)).map((r) => r.data.toString()).sort()).toEqual(['one', 'three', 'two']);
});

test('a stream that does not exist is asked once, not once per attempt: no retry mends it', async () => {
  const logger = new RecordingLogger();
  const outcome = await putWithRetries(local.client(), 'no-such-stream', entries, options(logger));
  expect(outcome.calls).toBe(1);
  expect(outcome.failed).toEqual([0, 1, 2]);
  expect(outcome.lastError).toMatch(/no-such-stream/);
  expect(logger.messages('warn')).toEqual([]);
});
