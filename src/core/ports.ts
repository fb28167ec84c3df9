/**
 * What the detection core needs from the outside world, as narrow interfaces. Drivers, stores and
 * the command line provide them; the core never imports an AWS SDK, a socket or the clock.
 */
import type { SecurityResponse } from './response';

/** The subset of pino's logger the core uses, so tests can pass a recording logger. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * Responses already written for an application. The engine reads it once per application and shard
 * processor, to know which targets are under an active response and how often a target offended
 * before (repeat offenders get longer responses). The DynamoDB responses store implements it.
 */
export interface ResponseHistory {
  /** Responses of `appId` created at or after `sinceMs` (epoch ms). */
  recent(appId: string, sinceMs: number): Promise<readonly SecurityResponse[]>;
}

/** A record that could not be processed, kept so that someone can look at it. */
export interface DeadLetter {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string | undefined;
  reason: string;
  /** Size of the record's data in bytes. */
  size: number;
  /** The first bytes of the record, base64, enough to recognise it. */
  preview: string;
}

export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * Where responses go. `write` resolves once every response is durable (written, or queued for a
 * retry that cannot lose it); writing a response whose id already exists changes nothing.
 */
export interface ResponseSink {
  write(responses: readonly SecurityResponse[]): Promise<void>;
}
