/** `riposte init` run as a command against kinesalite and dynalite, twice: it creates, then finds. */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { runNode, type NodeRun } from '../../scripts/lib/run-node';
import { useLocalAws } from '../helpers/local-aws';

const aws = useLocalAws();

function riposte(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NodeRun> {
  return runNode(['bin/riposte.js', ...args], { env: aws.childEnv(env) });
}

it('creates the stream and the three tables, and a second run changes nothing', async () => {
  const names = { RIPOSTE_STREAM: 'init-events', RIPOSTE_RESPONSES_TABLE: 'init-responses', RIPOSTE_CHECKPOINTS_TABLE: 'init-checkpoints', RIPOSTE_APPS_TABLE: 'init-apps' };
  const first = await riposte(['init', '--shards', '3'], names);
  expect(first).toMatchObject({ code: 0, stderr: '' });
  expect(first.stdout.split('\n')).toEqual([
    'stream init-events: created, 3 open shard(s)',
    'table init-responses: created',
    'table init-checkpoints: created',
    'table init-apps: created',
    '',
  ]);

  const second = await riposte(['init', '--shards', '5'], names);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain('stream init-events: exists, 3 open shard(s)\n  (not resharded to 5');
  expect(second.stdout).toContain('table init-responses: exists\ntable init-checkpoints: exists\ntable init-apps: exists\n');

  const { Shards } = await aws.kinesis.client().send(new ListShardsCommand({ StreamName: 'init-events' }));
  expect(Shards).toHaveLength(3);
  const { Table } = await aws.dynamo.client().send(new DescribeTableCommand({ TableName: 'init-responses' }));
  expect(Table?.LocalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['byChange', 'byExpiry']);
});

it.each([
  { name: 'a shard count that is not a whole number of at least 1', args: ['init', '--shards', '0'], env: {}, message: '--shards must be a whole number of at least 1, got "0"' },
  { name: 'a table name the environment cannot hold', args: ['init'], env: { RIPOSTE_RESPONSES_TABLE: 'x' }, message: 'RIPOSTE_RESPONSES_TABLE="x"' },
])('refuses $name, saying so', async ({ args, env, message }) => {
  const result = await riposte(args, env);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(message);
});

it('--help says what it creates, where, and that it is idempotent', async () => {
  const help = await riposte(['init', '--help']);
  expect(help.code).toBe(0);
  for (const words of ['--shards', 'AWS_ENDPOINT_URL_KINESIS', 'RIPOSTE_RESPONSES_TABLE', 'Idempotent', 'lease table']) expect(help.stdout).toContain(words);
});
