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

type Line = string | Uint8Array;

/**
 * Runs every line of `chunks` (blank ones skipped, still counted) and calls `onBatch` after each
 * batch's responses are written, with the lines read so far; returns the number of lines. The lines
 * come in arrays (as `riposte replay` reads them, a chunk's worth at a time: an await per line is a
 * measurable part of a replay).
 */
export async function replayLines(
  chunks: AsyncIterable<readonly Line[]> | Iterable<readonly Line[]>,
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
  for await (const chunk of chunks) {
    for (const line of chunk) {
      lineNumber++;
      if (isBlank(line)) continue;
      // Lines read as bytes (riposte replay) are the record's data as they are.
      batch.push({ data: typeof line === 'string' ? Buffer.from(line) : line, sequenceNumber: String(lineNumber), subSequenceNumber: 0 });
      if (batch.length >= REPLAY_BATCH_LINES) await flush();
    }
  }
  await flush();
  return lineNumber;
}

/** Empty, or only spaces and tabs (and a \r left by a Windows line end). */
function isBlank(line: string | Uint8Array): boolean {
  if (typeof line === 'string') return line.trim() === '';
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
