/**
 * A steady producer for the lag benches, in a process of its own so that it neither slows the reader
 * it measures nor is slowed by it: puts RATE events a second, in ten PutRecords a second, for
 * SECONDS, each event's time being the moment it is put. A slow emulator makes it fall behind (each
 * call is awaited): the rate achieved is what it prints, as one JSON line.
 *
 *   node -r tsx/cjs bench/put-load.ts ENDPOINT STREAM RATE SECONDS OFFSET
 */
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../src/aws/clients';
import { seededRandom } from '../src/testing/random';
import { mixEvent } from './generate';

const [endpoint, stream, rateText, secondsText, offsetText] = process.argv.slice(2);
const RATE = Number(rateText);
const SECONDS = Number(secondsText);
const OFFSET = Number(offsetText ?? 0);
const APPS = 8;

async function main(): Promise<void> {
  const kinesis = createKinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const rand = seededRandom(OFFSET + 5);
  const startedAt = Date.now();
  let put = 0;
  for (let tick = 0; tick < SECONDS * 10; tick++) {
    const wait = startedAt + tick * 100 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const count = Math.round(((tick + 1) * RATE) / 10) - Math.round((tick * RATE) / 10);
    const entries: PutRecordsRequestEntry[] = Array.from({ length: count }, (_, k) => {
      const e = mixEvent(OFFSET + put + k, rand, { attackerShare: 0.02, ids: true, seed: 1, offset: OFFSET, apps: APPS });
      return { Data: Buffer.from(JSON.stringify({ ...e, ts: new Date().toISOString() })), PartitionKey: e.appId as string };
    });
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    put += count;
  }
  kinesis.destroy();
  process.stdout.write(`${JSON.stringify({ put, startedAt, achieved: Math.round(put / ((Date.now() - startedAt) / 1000)) })}\n`);
}

void main();
