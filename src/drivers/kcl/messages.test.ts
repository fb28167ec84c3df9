import { checkpointMessage, classifyCheckpointError, parseDaemonLine, statusMessage } from './messages';

const SEQ = '49590338271490256608559692538361571095921575989136588898';

describe('lines from the daemon', () => {
  const cases: Array<{ name: string; line: string; expected: ReturnType<typeof parseDaemonLine> | { kind: string; problems?: unknown } }> = [
    {
      name: 'initialize with a sequence number and sub-sequence number',
      line: `{"action":"initialize","shardId":"shardId-000000000001","sequenceNumber":"${SEQ}","subSequenceNumber":3}`,
      expected: { kind: 'message', problems: [], message: { action: 'initialize', shardId: 'shardId-000000000001', sequenceNumber: SEQ, subSequenceNumber: 3 } },
    },
    {
      name: 'initialize at a sentinel position, sub-sequence null',
      line: '{"action":"initialize","shardId":"shardId-000000000001","sequenceNumber":"TRIM_HORIZON","subSequenceNumber":null}',
      expected: { kind: 'message', problems: [], message: { action: 'initialize', shardId: 'shardId-000000000001', sequenceNumber: 'TRIM_HORIZON', subSequenceNumber: null } },
    },
    {
      name: 'initialize without a shard id is still an initialize, with the problem named',
      line: '{"action":"initialize","sequenceNumber":null,"subSequenceNumber":null}',
      expected: { kind: 'message', problems: ['"shardId" is missing, expected a shard id'] },
    },
    {
      name: 'a sequence number given as a JSON number is refused (it would lose digits)',
      line: '{"action":"initialize","shardId":"s","sequenceNumber":4959033827149025660855969253836157109592,"subSequenceNumber":0}',
      expected: { kind: 'message', problems: [expect.stringContaining('expected a decimal string')] },
    },
    {
      name: 'processRecords keeps good records and names the malformed ones with their index',
      line: `{"action":"processRecords","records":[{"data":"e30=","partitionKey":"a","sequenceNumber":"${SEQ}","approximateArrivalTimestamp":1,"subSequenceNumber":0,"action":"record"},{"data":"e30=","partitionKey":"a","sequenceNumber":12,"action":"record"}],"millisBehindLatest":7}`,
      expected: {
        kind: 'message',
        problems: [],
        message: {
          action: 'processRecords',
          records: [{ data: 'e30=', partitionKey: 'a', sequenceNumber: SEQ, approximateArrivalTimestamp: 1, subSequenceNumber: 0 }],
          malformed: [{ index: 1, reason: '"sequenceNumber" is 12, expected a decimal string' }],
          millisBehindLatest: 7,
        },
      },
    },
    {
      name: 'a checkpoint reply with an error',
      line: `{"action":"checkpoint","sequenceNumber":"${SEQ}","subSequenceNumber":2,"error":"ThrottlingException"}`,
      expected: { kind: 'message', problems: [], message: { action: 'checkpoint', sequenceNumber: SEQ, subSequenceNumber: 2, error: 'ThrottlingException' } },
    },
    { name: 'leaseLost', line: '{"action":"leaseLost"}', expected: { kind: 'message', problems: [], message: { action: 'leaseLost' } } },
    { name: 'the KCL 1.x shutdown with its reason', line: '{"action":"shutdown","reason":"TERMINATE"}', expected: { kind: 'message', problems: [], message: { action: 'shutdown', reason: 'TERMINATE' } } },
    { name: 'an action from a newer daemon', line: '{"action":"reticulateSplines"}', expected: { kind: 'unknown-action', action: 'reticulateSplines' } },
    { name: 'not JSON', line: 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g', expected: { kind: 'invalid', reason: expect.stringContaining('not JSON') } },
    { name: 'JSON but not an object', line: '[1,2]', expected: { kind: 'invalid', reason: 'not a JSON object' } },
    { name: 'an object without an action', line: '{"shardId":"x"}', expected: { kind: 'invalid', reason: '"action" is missing, expected a string' } },
    { name: 'an empty line (the daemon never sends one, aws-kcl writes them)', line: '   ', expected: { kind: 'empty' } },
  ];
  it.each(cases)('$name', ({ line, expected }) => {
    expect(parseDaemonLine(line)).toMatchObject(expected);
  });
});

describe('lines to the daemon have exactly the keys its Jackson mapper accepts', () => {
  it.each([
    { name: 'status', line: statusMessage('processRecords'), expected: '{"action":"status","responseFor":"processRecords"}' },
    { name: 'checkpoint with a sub-sequence number', line: checkpointMessage({ sequenceNumber: SEQ, subSequenceNumber: 4 }), expected: `{"action":"checkpoint","sequenceNumber":"${SEQ}","subSequenceNumber":4}` },
    { name: 'checkpoint at the end of the shard', line: checkpointMessage(null), expected: '{"action":"checkpoint","sequenceNumber":null}' },
  ])('$name', ({ line, expected }) => {
    expect(line).toBe(expected);
  });
});

describe('checkpoint errors are handled as the KCL documents them', () => {
  it.each([
    ['ThrottlingException', 'retry-later'],
    ['KinesisClientLibDependencyException', 'retry-later'],
    ['ShutdownException', 'lease-gone'],
    ['InvalidStateException', 'lease-gone'],
    ['IllegalArgumentException', 'bad-position'],
    ['NullPointerException', 'unknown'],
  ])('%s → %s', (error, kind) => {
    expect(classifyCheckpointError(error)).toBe(kind);
  });
});
