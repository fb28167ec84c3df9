/** The response ledger: bounded memory, and an application's history read a page at a time. */
import type { HistoryPage, ResponseHistory } from '../core/ports';
import { targetKey } from '../core/response';
import { MemoryResponseStore } from '../sinks/memory-store';
import { RecordingLogger } from '../../test/helpers/recording-logger';
import { makeResponse, manyResponses, T0 } from '../../test/helpers/responses';
import { ResponseLedger } from './ledger';
import { ledgerEntriesFor, PLANNED_BYTES_PER_LEDGER_ENTRY, PLANNED_BYTES_PER_WINDOW, PROCESSOR_DEFAULTS, ShardProcessor } from './processor';
import { StaticAppConfigSource } from './app-settings';
import { builtInDetectors } from '../../detectors';
import { loginFailure, toRecords } from '../testing/factories';

/** A month of one application's responses, through a history that records the pages asked. */
async function monthOfHistory(count: number) {
  const store = new MemoryResponseStore();
  // Created a second apart, so the history's order (soonest expiry first) is the order of the IPs.
  await store.write(manyResponses(count).map((r, i) => makeResponse({ ip: r.target.value, createdAtMs: T0 + i * 1000 })));
  const asked: { after: string | undefined; limit: number; returned: number }[] = [];
  const history: ResponseHistory = {
    recentPage: async (appId, sinceMs, after, limit): Promise<HistoryPage> => {
      const page = await store.recentPage(appId, sinceMs, after, limit);
      asked.push({ after, limit, returned: page.responses.length });
      return page;
    },
  };
  return { history, asked };
}

const suppressed = (ledger: ResponseLedger, ip: string, at = T0 + 1000) => ledger.suppressing('app-1', 'login-brute-force', targetKey('ip', ip), at, () => 'another', 60_000, 0);

describe('ResponseLedger', () => {
  test('reads an application history a page at a time, never more than a page per read', async () => {
    const { history, asked } = await monthOfHistory(2500);
    const ledger = new ResponseLedger(history, new RecordingLogger(), { pageSize: 1000, maxEntries: 10_000 });
    await ledger.load('app-1', 0);
    expect(asked.map((a) => [a.limit, a.returned])).toEqual([
      [1000, 1000],
      [1000, 1000],
      [1000, 500],
    ]);
    expect(ledger.size).toBe(2500);
    expect(suppressed(ledger, '198.51.9.250', T0 + 2_499_000)).toBe(true);
  });

  test('holds at most maxEntries, forgetting the targets touched least recently, counted and logged', async () => {
    const { history } = await monthOfHistory(2500);
    const logger = new RecordingLogger();
    const ledger = new ResponseLedger(history, logger, { pageSize: 1000, maxEntries: 300 });
    await ledger.load('app-1', 0);
    expect(ledger.size).toBe(300);
    expect(ledger.evicted).toBe(2200);
    expect(logger.messages('warn')).toEqual([expect.stringMatching(/^response ledger full/)]);
    // Those read last (the soonest to expire come first) are kept; a response decided now too.
    expect(suppressed(ledger, '198.51.9.250', T0 + 2_499_000)).toBe(true);
    expect(suppressed(ledger, '198.51.8.201', T0 + 2_200_000)).toBe(true);
    expect(suppressed(ledger, '198.51.8.200', T0 + 2_199_000)).toBe(false);
    ledger.record(makeResponse({ ip: '203.0.113.9', createdAtMs: T0 }));
    expect(ledger.size).toBe(300);
    expect(suppressed(ledger, '203.0.113.9')).toBe(true);
  });

  test('a target touched again is kept over those not touched since', async () => {
    const ledger = new ResponseLedger(undefined, new RecordingLogger(), { maxEntries: 3 });
    ledger.record(makeResponse({ ip: '203.0.113.1' }));
    ledger.record(makeResponse({ ip: '203.0.113.2' }));
    ledger.record(makeResponse({ ip: '203.0.113.1', createdAtMs: T0 + 500 }));
    ledger.record(makeResponse({ ip: '203.0.113.3' }));
    expect(['203.0.113.1', '203.0.113.2', '203.0.113.3'].map((ip) => suppressed(ledger, ip))).toEqual([true, false, true]);
  });
});

describe('the shard processor', () => {
  test("gives the ledger a quarter of the window budget's memory", () => {
    const budgetBytes = PROCESSOR_DEFAULTS.maxWindowStates * PLANNED_BYTES_PER_WINDOW;
    expect(ledgerEntriesFor(PROCESSOR_DEFAULTS.maxWindowStates)).toBe(Math.floor(budgetBytes / 4 / PLANNED_BYTES_PER_LEDGER_ENTRY));
  });

  test("holds no more of an application's history than its budget allows", async () => {
    const { history } = await monthOfHistory(5000);
    const maxWindowStates = 4000;
    const p = new ShardProcessor({ shardId: 'shardId-000000000000', config: new StaticAppConfigSource(builtInDetectors), history, maxWindowStates });
    await p.processBatch(toRecords([loginFailure({ ip: '192.0.2.1', at: 0 })]));
    const ledger = (p as unknown as { ledger: ResponseLedger }).ledger;
    expect(ledger.size).toBe(ledgerEntriesFor(maxWindowStates));
    expect(ledger.size).toBeLessThan(5000);
  });
});
