/** NotifyingSettledWriter over the real DynamoDB store on dynalite. */
import { DynamoResponseStore } from '../sinks/dynamodb/responses-store';
import { startDynalite, type LocalDynamo } from '../../test/helpers/dynalite';
import { makeResponse } from '../../test/helpers/responses';
import { LocalChangeFeed } from './change-feed';
import { NotifyingSettledWriter, ResponseChangeNotifier } from './response-change-notifier';
import { MemoryResponseCache } from './response-cache';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

async function setup() {
  const store = new DynamoResponseStore(dynamo.client(), await dynamo.responsesTable());
  const feed = new LocalChangeFeed();
  const woken: string[] = [];
  for (const appId of ['shop', 'blog']) feed.subscribe(appId, () => woken.push(appId));
  return { store, woken, writer: new NotifyingSettledWriter(store, new ResponseChangeNotifier(new MemoryResponseCache(), feed)) };
}

describe('NotifyingSettledWriter', () => {
  test('wakes each application whose responses landed, once per call', async () => {
    const { writer, woken } = await setup();
    const outcomes = await writer.writeSettled([makeResponse({ appId: 'shop', ip: '203.0.113.1' }), makeResponse({ appId: 'shop', ip: '203.0.113.2' }), makeResponse({ appId: 'blog' })]);
    expect(outcomes.map((o) => o.status)).toEqual(['written', 'written', 'written']);
    expect(woken.sort()).toEqual(['blog', 'shop']);
  });

  test('a replay that changes nothing wakes nobody', async () => {
    const { writer, woken } = await setup();
    const r = makeResponse({ appId: 'shop' });
    await writer.writeSettled([r]);
    woken.length = 0;
    const outcomes = await writer.writeSettled([r]);
    expect(outcomes.map((o) => o.status)).toEqual(['exists']);
    expect(woken).toEqual([]);
  });
});
