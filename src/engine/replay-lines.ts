/**
 * Replays JSON lines of events through a shard processor, offline: each line becomes a record
 * numbered by its line (so a rejected event is reported as file:line), a batch at a time. Each
 * batch's responses reach the store before the next batch runs, so cooldowns see them as they would
 * in production. `riposte replay` and the playbook fixtures both run events through here.
 */
import type { ResponseSink } from '../core/ports';
import type { ShardProcessor } from './processor';
import type { BatchOutcome, ShardRecord } from './types';

/** Lines per batch: enough to amortise a batch's fixed costs, few enough to report progress. */
export const REPLAY_BATCH_LINES = 1000;

/**
 * Runs every line of `lines` (blank ones skipped, still counted) and calls `onBatch` after each
 * batch's responses are written, with the lines read so far; returns the number of lines.
 */
export async function replayLines(
  lines: AsyncIterable<string> | Iterable<string>,
  processor: ShardProcessor,
  store: ResponseSink,
  onBatch: (outcome: BatchOutcome, linesRead: number) => void,
): Promise<number> {
  let batch: ShardRecord[] = [];
  let lineNumber = 0;
  const flush = async (): Promise<void> => {
    const outcome = await processor.processBatch(batch);
    batch = [];
    await store.write(outcome.responses);
    onBatch(outcome, lineNumber);
  };
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    batch.push({ data: Buffer.from(line), sequenceNumber: String(lineNumber), subSequenceNumber: 0 });
    if (batch.length >= REPLAY_BATCH_LINES) await flush();
  }
  await flush();
  return lineNumber;
}
