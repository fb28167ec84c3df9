/**
 * `riposte start`'s memory by thread on /metrics: the main thread's heap and each embedded emulator's
 * (their worker threads answer by message), and the process's RSS, so that a flood's growth can be
 * placed (README, the flood bench).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRiposteProcess } from '../helpers/riposte-process';

const dataDir = mkdtempSync(join(tmpdir(), 'riposte-e2e-memory-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('reports the heap of the main thread and of both emulator threads, and the RSS', async () => {
  const riposte = await startRiposteProcess(dataDir);
  try {
    const text = await (await fetch(`${riposte.url}/metrics`)).text();
    const series = new Map([...text.matchAll(/^riposte_memory_bytes\{thread="([^"]+)",kind="([^"]+)"\} (\S+)$/gm)].map((m) => [`${m[1]} ${m[2]}`, Number(m[3])]));
    for (const thread of ['main', 'embedded Kinesis (kinesalite)', 'embedded DynamoDB (dynalite)']) {
      for (const kind of ['heapUsed', 'heapTotal', 'external', 'arrayBuffers']) expect(series.get(`${thread} ${kind}`)).toBeGreaterThanOrEqual(0);
      expect(series.get(`${thread} heapUsed`)).toBeGreaterThan(0);
    }
    // Each emulator's heap is its own isolate's, not the main thread's again.
    expect(series.get('embedded Kinesis (kinesalite) heapUsed')).not.toBe(series.get('main heapUsed'));
    expect(series.get('process rss')).toBeGreaterThan(series.get('main heapUsed') as number);
  } finally {
    await riposte.stop();
  }
});
