import { DescribeTableCommand, DescribeTimeToLiveCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable, responsesTable } from './tables';

/** A table that exists and is active, with TTL in `ttlStatus`; records what was asked. */
function fakeDynamo(ttlStatus: string) {
  const sent: string[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push((command as object).constructor.name);
      if (command instanceof DescribeTableCommand) return { Table: { TableStatus: 'ACTIVE' } };
      if (command instanceof DescribeTimeToLiveCommand) return { TimeToLiveDescription: { TimeToLiveStatus: ttlStatus } };
      if (command instanceof UpdateTimeToLiveCommand) return {};
      throw new Error(`unexpected ${sent[sent.length - 1]}`);
    },
  } as unknown as DynamoDBClient;
  return { client, sent };
}

describe('ensureTable', () => {
  it('turns TTL on for a table that exists with TTL off (a run that stopped after creating it)', async () => {
    const { client, sent } = fakeDynamo('DISABLED');
    expect(await ensureTable(client, responsesTable('responses'))).toBe('exists');
    expect(sent).toContain('UpdateTimeToLiveCommand');
  });

  it.each(['ENABLED', 'ENABLING'])('leaves TTL %s as it is', async (status) => {
    const { client, sent } = fakeDynamo(status);
    await ensureTable(client, responsesTable('responses'));
    expect(sent).not.toContain('UpdateTimeToLiveCommand');
  });
});
