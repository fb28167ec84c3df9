/**
 * Would compressing aggregated records pay? For typical events packed as the ingest API packs them
 * (500 per KPL-aggregated record), the size after each codec and the CPU it costs per event to
 * compress (the API) and to decompress (every consumer), against what decoding an event costs
 * anyway (JSON.parse of its bytes, the consumer's floor), measured in the same run.
 *
 *   npm run bench:ingest-compression
 *
 * The last line is one JSON object with every figure.
 */
import * as zlib from 'node:zlib';
import { packRecords } from '../src/api/ingest-aggregate';
import { seededRandom } from '../src/testing/random';
import { mixEvent } from './generate';

const PER_RECORD = 500;
const RECORDS = 200;

interface Codec {
  name: string;
  compress(data: Buffer): Buffer;
  decompress(data: Buffer): Buffer;
}

const codecs: Codec[] = [
  { name: 'gzip -1', compress: (d) => zlib.gzipSync(d, { level: 1 }), decompress: (d) => zlib.gunzipSync(d) },
  { name: 'gzip -6', compress: (d) => zlib.gzipSync(d, { level: 6 }), decompress: (d) => zlib.gunzipSync(d) },
  { name: 'brotli q4', compress: (d) => zlib.brotliCompressSync(d, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }), decompress: (d) => zlib.brotliDecompressSync(d) },
];
// zstd arrived in Node 22.15 / 23.8: measured where the running Node has it.
const z = zlib as unknown as { zstdCompressSync?: (d: Buffer) => Buffer; zstdDecompressSync?: (d: Buffer) => Buffer };
if (z.zstdCompressSync !== undefined && z.zstdDecompressSync !== undefined) {
  const [compress, decompress] = [z.zstdCompressSync, z.zstdDecompressSync];
  codecs.push({ name: 'zstd 3', compress: (d) => compress(d), decompress: (d) => decompress(d) });
}

function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function main(): void {
  const rand = seededRandom(3);
  const options = { attackerShare: 0.02, ids: true, seed: 3, offset: 0, apps: 1 };
  const records: Buffer[] = [];
  let eventBytes = 0;
  const events: Buffer[] = [];
  for (let r = 0; r < RECORDS; r++) {
    const batch: Buffer[] = [];
    for (let i = 0; i < PER_RECORD; i++) batch.push(Buffer.from(JSON.stringify(mixEvent(r * PER_RECORD + i, rand, options))));
    eventBytes += batch.reduce((n, b) => n + b.byteLength, 0);
    events.push(...batch);
    records.push(...packRecords('app-0', batch).map((p) => p.data));
  }
  const total = RECORDS * PER_RECORD;
  const rawBytes = records.reduce((n, b) => n + b.byteLength, 0);
  // The consumer's floor, the same run: JSON.parse of every event's bytes.
  const parseUs = cpuMicros(() => {
    for (const e of events) JSON.parse(e.toString('utf8'));
  });
  const rows = codecs.map((codec) => {
    let compressed: Buffer[] = [];
    const compressUs = cpuMicros(() => {
      compressed = records.map((r) => codec.compress(r));
    });
    const decompressUs = cpuMicros(() => {
      for (const c of compressed) codec.decompress(c);
    });
    const bytes = compressed.reduce((n, b) => n + b.byteLength, 0);
    return {
      codec: codec.name,
      ratio: Math.round((rawBytes / bytes) * 10) / 10,
      bytesPerEvent: Math.round(bytes / total),
      compressUsPerEvent: Math.round((compressUs / total) * 100) / 100,
      decompressUsPerEvent: Math.round((decompressUs / total) * 100) / 100,
      decompressVsParse: Math.round((decompressUs / parseUs) * 100) / 100,
    };
  });
  process.stdout.write(`\n${total} events of ~${Math.round(eventBytes / total)} bytes, ${PER_RECORD} per aggregated record (${Math.round(rawBytes / total)} bytes per event packed), node ${process.version}\n`);
  process.stdout.write(`JSON.parse of an event (the consumer's floor): ${(parseUs / total).toFixed(2)} µs\n\n`);
  process.stdout.write('| codec | size ratio | bytes/event | compress µs/event | decompress µs/event | decompress / JSON.parse |\n|---|---:|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.codec} | ${r.ratio} | ${r.bytesPerEvent} | ${r.compressUsPerEvent} | ${r.decompressUsPerEvent} | ${r.decompressVsParse} |\n`);
  process.stdout.write(`${JSON.stringify({ bench: 'ingest-compression', events: total, eventBytes: Math.round(eventBytes / total), packedBytesPerEvent: Math.round(rawBytes / total), parseUsPerEvent: Math.round((parseUs / total) * 100) / 100, codecs: rows })}\n`);
}

main();
