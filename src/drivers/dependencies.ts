/**
 * What both drivers need from the rest of Riposte, injected so that tests and the composition root
 * choose the adapters: DynamoDB or memory for responses, a file or memory for dead letters.
 */
import type { AppConfigSource } from '../core/app-config';
import type { DeadLetterSink, Logger, ResponseHistory, ResponseSink } from '../core/ports';
import type { ProcessorOptions } from '../engine/processor';

export interface DriverDependencies {
  /** Durable write of responses; the drivers checkpoint only once it has resolved. */
  sink: ResponseSink;
  /** Responses written before a shard processor started (repeat offenders, active responses). */
  history: ResponseHistory;
  deadLetters: DeadLetterSink;
  config: AppConfigSource;
  logger: Logger;
  /** Engine settings (lateness, memory budget); the shard id is the driver's. */
  processor?: Omit<ProcessorOptions, 'shardId' | 'config' | 'history' | 'logger'>;
}
