/**
 * The MultilangDaemon's side of the protocol, played line by line against a `riposte kcl` child —
 * spawned exactly as the daemon spawns it, or in-process over streams.
 *
 * Message shapes are the Java daemon's, as Jackson writes them (awslabs/amazon-kinesis-client,
 * amazon-kinesis-client-multilang/src/main/java/software/amazon/kinesis/multilang/):
 * - messages/Message.java: the `action` type property comes first;
 * - messages/InitializeMessage.java: shardId, sequenceNumber, subSequenceNumber (nulls written);
 * - messages/ProcessRecordsMessage.java: records, millisBehindLatest;
 * - messages/JsonFriendlyRecord.java: data (byte[] → base64), partitionKey, sequenceNumber,
 *   approximateArrivalTimestamp (epoch ms), subSequenceNumber, then the `action: "record"` getter;
 * - messages/CheckpointMessage.java: sequenceNumber, subSequenceNumber, error (the exception's simple
 *   name, or null) — the reply echoes the request;
 * - messages/LeaseLostMessage.java, ShardEndedMessage.java, ShutdownRequestedMessage.java: the action alone.
 * The conversation is MultiLangProtocol.java's waitForStatusMessage: send one action, answer every
 * checkpoint request, return at the status, which must name the action sent. The command line is
 * MultiLangRecordProcessorFactory.java's: executableName split on " +", run in the daemon's
 * working directory.
 *
 * Checked against the real daemon (KCL 2.7.2; test/integration/kcl-daemon*.test.ts record every line
 * it writes and compare it with these builders, byte for byte). What it showed that this harness
 * had not played:
 * - initialize's subSequenceNumber is 0 with TRIM_HORIZON, never null (a Java long);
 * - on SIGTERM: shutdownRequested, then leaseLost about a second later, then standard input closed;
 * - a shard's whole backlog comes in one processRecords (up to maxRecords), not in small batches;
 * - the answer to initialize is awaited without limit: a child's start took 3–13 s on a loaded
 *   machine, and the daemon simply waits;
 * - at a split, the parent's shardEnded → checkpoint(null) → reply → status, and the children are
 *   initialized (at TRIM_HORIZON) only after that reply, on the next lease-taking round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { REPO_ROOT } from '../../scripts/lib/repo-root';

export interface DaemonRecord {
  data: Buffer;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  arrivalMs?: number;
}

/** What the child may send: a status or a checkpoint request. Anything else fails the test. */
export type ChildMessage =
  | { action: 'status'; responseFor: string }
  | { action: 'checkpoint'; sequenceNumber: string | null; subSequenceNumber?: number };

export type CheckpointRequest = Extract<ChildMessage, { action: 'checkpoint' }>;

/** The error the daemon answers a checkpoint request with (a Java exception's simple name), or null. */
export type CheckpointAnswer = (request: CheckpointRequest) => string | null | Promise<string | null>;

const acceptAll: CheckpointAnswer = () => null;

// Message builders: keys in the order Jackson writes them.

/** The real daemon always writes a number here (a Java long: 0 with TRIM_HORIZON), never null. */
export function initialize(shardId: string, sequenceNumber: string, subSequenceNumber: number): string {
  return JSON.stringify({ action: 'initialize', shardId, sequenceNumber, subSequenceNumber });
}

export function processRecords(records: readonly DaemonRecord[], millisBehindLatest: number | null = 0): string {
  return JSON.stringify({
    action: 'processRecords',
    records: records.map((r) => ({
      data: r.data.toString('base64'),
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      approximateArrivalTimestamp: r.arrivalMs ?? null,
      subSequenceNumber: r.subSequenceNumber ?? 0,
      action: 'record',
    })),
    millisBehindLatest,
  });
}

export const leaseLost = (): string => JSON.stringify({ action: 'leaseLost' });
export const shardEnded = (): string => JSON.stringify({ action: 'shardEnded' });
export const shutdownRequested = (): string => JSON.stringify({ action: 'shutdownRequested' });

export function checkpointReply(request: CheckpointRequest, error: string | null): string {
  return JSON.stringify({ action: 'checkpoint', sequenceNumber: request.sequenceNumber, subSequenceNumber: request.subSequenceNumber ?? null, error });
}

/** The executableName of kcl.properties, split as the daemon splits it. */
export function executableFromProperties(path = join(REPO_ROOT, 'kcl.properties')): string[] {
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^executableName\s*[=:]/.test(l));
  if (line === undefined) throw new Error(`${path} has no executableName`);
  return line.replace(/^executableName\s*[=:]\s*/, '').split(/ +/);
}

export class DaemonSide {
  private readonly inbox: ChildMessage[] = [];
  private waiter: (() => void) | null = null;
  /** stdout lines that are not protocol messages: must stay empty. */
  readonly strayLines: string[] = [];
  private ended = false;

  constructor(
    private readonly toChild: Writable,
    fromChild: Readable,
  ) {
    const lines = createInterface({ input: fromChild, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return; // the daemon skips empty lines too (GetNextMessageTask.java)
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        this.strayLines.push(line);
        return;
      }
      if (!isChildMessage(message)) {
        this.strayLines.push(line);
        return;
      }
      this.inbox.push(message);
      this.waiter?.();
    });
    lines.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  send(line: string): void {
    this.toChild.write(`${line}\n`);
  }

  /** The next message from the child; fails after `timeoutMs` or when its stdout ends. */
  async next(timeoutMs = 15_000): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.ended) throw new Error('the child closed its standard output');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message from the child within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.inbox.shift() as ChildMessage;
  }

  /** Messages received and not yet read (after the last status there must be none). */
  get unread(): readonly ChildMessage[] {
    return this.inbox;
  }

  /**
   * Sends one action and plays the daemon until its status: every checkpoint request is answered
   * with `answer`'s error. Fails if the status names another action, or if the child sends anything
   * while a checkpoint request is outstanding. Returns the checkpoint requests, in order.
   */
  async perform(line: string, answer: CheckpointAnswer = acceptAll, timeoutMs?: number): Promise<CheckpointRequest[]> {
    const action = (JSON.parse(line) as { action: string }).action;
    this.send(line);
    const requests: CheckpointRequest[] = [];
    for (;;) {
      const message = await this.next(timeoutMs);
      if (message.action === 'status') {
        if (message.responseFor !== action) throw new Error(`status for ${message.responseFor} while waiting for ${action}`);
        return requests;
      }
      requests.push(message);
      const error = await answer(message);
      if (this.inbox.length > 0) throw new Error(`the child sent ${JSON.stringify(this.inbox[0])} while its checkpoint request was outstanding`);
      this.send(checkpointReply(message, error));
    }
  }

  /** Closes the child's standard input, as the daemon does after leaseLost or shardEnded. */
  end(): void {
    this.toChild.end();
  }
}

function isChildMessage(m: unknown): m is ChildMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (o.action === 'status') return keys === 'action,responseFor' && typeof o.responseFor === 'string';
  if (o.action === 'checkpoint') {
    // Jackson refuses unknown properties: only these keys are allowed.
    return (keys === 'action,sequenceNumber' && o.sequenceNumber === null) || (keys === 'action,sequenceNumber,subSequenceNumber' && typeof o.sequenceNumber === 'string' && Number.isInteger(o.subSequenceNumber));
  }
  return false;
}

export interface SpawnedChild {
  daemon: DaemonSide;
  process: ChildProcess;
  /** Everything the child wrote on standard error. */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the child has exited. */
  exited: Promise<number | string>;
}

const spawned = new Set<ChildProcess>();

/** Kills every child still running (for afterEach: a failed test must not leave one behind). */
export function killChildren(): void {
  for (const child of spawned) child.kill('SIGKILL');
  spawned.clear();
}

/** Starts the child as the daemon does: kcl.properties executableName, split on spaces, in the repository root. */
export function spawnChild(env: NodeJS.ProcessEnv): SpawnedChild {
  const [command, ...args] = executableFromProperties();
  const child = spawn(command as string, args, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  spawned.add(child);
  child.on('exit', () => spawned.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal as string))));
  child.stdin.on('error', () => undefined); // writing to a killed child
  return { daemon: new DaemonSide(child.stdin, child.stdout), process: child, stderr: () => stderr, exited };
}

/** A 56-digit sequence number, like real Kinesis ones. */
const FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898n;

/**
 * Events as the daemon delivers them: one record each, or — with `aggregate` — de-aggregated KPL
 * records, `aggregate` user records sharing a sequence number with sub-sequence numbers 0..n-1.
 * Arrival is the event time plus half a second.
 */
export function daemonRecords(events: readonly object[], options: { aggregate?: number; first?: bigint } = {}): DaemonRecord[] {
  const group = options.aggregate ?? 1;
  const first = options.first ?? FIRST_SEQUENCE;
  return events.map((e, i) => {
    const ts = Date.parse((e as { ts?: string }).ts ?? '');
    return {
      data: Buffer.from(JSON.stringify(e)),
      partitionKey: (e as { appId?: string }).appId ?? 'app-1',
      sequenceNumber: (first + BigInt(Math.floor(i / group)) * 100n).toString(),
      subSequenceNumber: group > 1 ? i % group : 0,
      arrivalMs: Number.isNaN(ts) ? undefined : ts + 500,
    };
  });
}

/** Splits `xs` into batches of `size`. */
export function batches<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Whether position a (sequence, sub-sequence) is at or before b. */
export function atOrBefore(a: { sequenceNumber: string | null; subSequenceNumber?: number }, b: { sequenceNumber: string | null; subSequenceNumber?: number }): boolean {
  if (a.sequenceNumber === null || b.sequenceNumber === null) throw new Error('atOrBefore: a checkpoint at the end of the shard has no position');
  const x = BigInt(a.sequenceNumber);
  const y = BigInt(b.sequenceNumber);
  return x < y || (x === y && (a.subSequenceNumber ?? 0) <= (b.subSequenceNumber ?? 0));
}
