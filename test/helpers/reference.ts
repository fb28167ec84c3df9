/** The responses an uninterrupted run decides on some events: what every driver must end up writing. */
import { builtInDetectors } from '../../detectors';
import { StaticAppConfigSource } from '../../src/config/app-config';
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
