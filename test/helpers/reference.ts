/** The responses an uninterrupted run decides on some events: what every driver must end up writing. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { builtInDetectors } from '../../detectors';
import { replay } from '../../src/cli/replay';
import { StaticAppConfigSource } from '../../src/engine/app-settings';
import type { SecurityResponse } from '../../src/core/response';
import { ShardProcessor } from '../../src/engine/processor';
import { MemoryResponseStore } from '../../src/sinks/memory-store';

export async function referenceResponses(events: readonly object[], shardId = 'reference'): Promise<SecurityResponse[]> {
  const store = new MemoryResponseStore();
  const processor = new ShardProcessor({ shardId, config: new StaticAppConfigSource(builtInDetectors), history: store });
  const outcome = await processor.processBatch(
    events.map((e, i) => ({ data: Buffer.from(JSON.stringify(e)), sequenceNumber: String(i + 1), subSequenceNumber: 0 })),
  );
  return outcome.responses;
}

export function ids(responses: readonly { id: string }[]): string[] {
  return responses.map((r) => r.id).sort();
}

/** The response ids `riposte replay --json` prints for `events`. */
export async function replayIds(events: readonly object[]): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'riposte-replay-')), 'events.jsonl');
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
  const sink = new PassThrough();
  sink.resume();
  const summary = await replay(file, { json: true }, { stdin: new PassThrough(), stdout: sink, stderr: sink });
  return ids(summary.responses);
}
