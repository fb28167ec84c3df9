/**
 * How fast the responses store lands conditional puts on the embedded dynalite (in its worker thread,
 * LevelDB on disk, as `riposte start` runs it), and what each costs the main thread: responses/s and
 * main-thread milliseconds per response, by `concurrency`. Rounds alternate between settings so that
 * a noisy machine weighs on all of them alike.
 *
 *   npx tsx bench/response-writes.ts [responses=3000] [rounds=3] [concurrency=8,32,64]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDynamoClient } from '../src/aws/clients';
import { ensureTable, responsesTable } from '../src/aws/tables';
import { startEmbeddedServices } from '../src/embedded/services';
import { DynamoResponseStore } from '../src/sinks/dynamodb/responses-store';
import { manyResponses } from '../test/helpers/responses';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const RESPONSES = Number(args.responses ?? 3000);
const ROUNDS = Number(args.rounds ?? 3);
const SETTINGS = (args.concurrency ?? '8,32,64').split(',').map(Number);
const CHUNK = Number(args.chunk ?? 500);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'riposte-writes-'));
  const services = await startEmbeddedServices(dir);
  const client = createDynamoClient({ endpoint: services.dynamoEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ensureTable(client, responsesTable('responses'));
  const rows: Record<string, { perSecond: number[]; mainMsPerResponse: number[] }> = {};
  let round = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const concurrency of SETTINGS) {
        const store = new DynamoResponseStore(client, 'responses', { concurrency });
        const responses = manyResponses(RESPONSES, { appId: `app-${++round}` });
        const elu = performance.eventLoopUtilization();
        const began = performance.now();
        for (let i = 0; i < responses.length; i += CHUNK) await store.write(responses.slice(i, i + CHUNK));
        const ms = performance.now() - began;
        const used = performance.eventLoopUtilization(elu);
        const row = (rows[concurrency] ??= { perSecond: [], mainMsPerResponse: [] });
        row.perSecond.push(Math.round((RESPONSES / ms) * 1000));
        row.mainMsPerResponse.push(Number((used.active / RESPONSES).toFixed(3)));
        process.stderr.write(`concurrency ${concurrency}: ${row.perSecond.at(-1)} responses/s, main thread ${row.mainMsPerResponse.at(-1)} ms each\n`);
      }
    }
    process.stdout.write(`${JSON.stringify({ bench: 'response-writes', responses: RESPONSES, chunk: CHUNK, rows })}\n`);
  } finally {
    client.destroy();
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});
