/**
 * The child's side of the MultilangDaemon protocol, over two streams (stdin and a private handle on
 * stdout in production, in-memory streams in tests). It is what `aws-kcl`'s KCLProcess does, without
 * its defects (../shared/KCL-NOTES.md):
 * - a line that is not JSON, or not a message, is logged and skipped; an action this child does not
 *   know is logged and answered with a status, so that a newer daemon does not wait forever;
 * - every action gets exactly one `status`, after its handler finished, in the order received;
 * - one checkpoint request is outstanding at a time, and its reply is routed to it; a reply nobody
 *   asked for is logged and dropped;
 * - a slow stdout is waited for (backpressure), not taken for an error;
 * - when stdin ends (the daemon went away or is done with this shard), `signal` aborts, `run`
 *   resolves, and nothing is written any more.
 * A handler that throws is a bug, not bad input: `run` rejects, and the child exits so that the
 * daemon restarts the worker and the shard is replayed from its checkpoint.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Logger } from '../../core/ports';
import type { Position } from '../../engine/types';
import { checkpointMessage, parseDaemonLine, statusMessage, type DaemonMessage } from './messages';

export type InitializeInput = Extract<DaemonMessage, { action: 'initialize' }>;
export type ProcessRecordsInput = Extract<DaemonMessage, { action: 'processRecords' }>;
type CheckpointReply = Extract<DaemonMessage, { action: 'checkpoint' }>;

export interface Checkpointer {
  /**
   * Asks the daemon to checkpoint at `position`, or at the end of the shard when null. Resolves with
   * the error the daemon answered (the Java exception's simple name), or null when it checkpointed.
   * Rejects when the daemon went away meanwhile.
   */
  checkpoint(position: Position | null): Promise<string | null>;
}

/** What the record processor does for each action. The status is the protocol's business. */
export interface KclHandler {
  initialize(input: InitializeInput): Promise<void>;
  processRecords(input: ProcessRecordsInput, checkpointer: Checkpointer): Promise<void>;
  leaseLost(): Promise<void>;
  shardEnded(checkpointer: Checkpointer): Promise<void>;
  shutdownRequested(checkpointer: Checkpointer): Promise<void>;
}

type Action = Exclude<DaemonMessage, CheckpointReply> | { action: 'unknown'; name: string };

const PREVIEW_CHARS = 200;

class DaemonGoneError extends Error {
  override readonly name = 'AbortError';
}

export class KclProtocol {
  private readonly controller = new AbortController();
  private readonly queue: Action[] = [];
  private draining = false;
  private pendingReply: { resolve: (reply: CheckpointReply) => void; reject: (error: Error) => void } | null = null;
  private checkpointLock: Promise<unknown> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  private readonly checkpointer: Checkpointer = { checkpoint: (position) => this.requestCheckpoint(position) };
  private handler: KclHandler | null = null;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: Writable,
    private readonly logger: Logger,
  ) {}

  /** Aborts when the daemon is gone: stdin ended, or stdout broke. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Reads actions and hands them to `handler` until stdin ends. Rejects if a handler failed. */
  run(handler: KclHandler): Promise<void> {
    this.handler = handler;
    const done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const lines = createInterface({ input: this.input, crlfDelay: Infinity });
    lines.on('line', (line) => this.onLine(line));
    lines.on('close', () => this.close('the daemon closed standard input'));
    this.input.on('error', (error) => this.close(`standard input failed: ${error.message}`));
    this.output.on('error', (error) => this.close(`standard output failed: ${error.message}`));
    this.output.on('close', () => this.close('standard output closed'));
    return done;
  }

  private onLine(line: string): void {
    const parsed = parseDaemonLine(line);
    switch (parsed.kind) {
      case 'empty':
        return;
      case 'invalid':
        this.logger.warn({ line: preview(line), reason: parsed.reason }, 'ignoring a line from the daemon that is not a protocol message');
        return;
      case 'unknown-action':
        this.logger.warn({ action: parsed.action, line: preview(line) }, 'unknown action from the daemon: answering its status without doing anything');
        this.enqueue({ action: 'unknown', name: parsed.action });
        return;
      case 'message':
        if (parsed.problems.length > 0) {
          this.logger.warn({ action: parsed.message.action, problems: parsed.problems, line: preview(line) }, 'message from the daemon is not as expected; going on with safe values');
        }
        if (parsed.message.action === 'checkpoint') this.onCheckpointReply(parsed.message);
        else this.enqueue(parsed.message);
    }
  }

  private onCheckpointReply(reply: CheckpointReply): void {
    const pending = this.pendingReply;
    if (pending === null) {
      this.logger.warn({ reply }, 'checkpoint reply from the daemon without a request: ignored');
      return;
    }
    this.pendingReply = null;
    pending.resolve(reply);
  }

  private enqueue(action: Action): void {
    this.queue.push(action);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let action = this.queue.shift(); action !== undefined && !this.signal.aborted; action = this.queue.shift()) {
        await this.dispatch(action);
        await this.send(statusMessage(action.action === 'unknown' ? action.name : action.action));
      }
    } catch (error) {
      if (this.signal.aborted) {
        // The daemon left while an action was in flight: its work is dropped, nothing was checkpointed.
        this.logger.debug({ err: error }, 'action abandoned: the daemon is gone');
      } else {
        this.fail(error);
      }
    } finally {
      this.draining = false;
    }
  }

  private dispatch(action: Action): Promise<void> {
    const handler = this.handler as KclHandler;
    switch (action.action) {
      case 'initialize':
        return handler.initialize(action);
      case 'processRecords':
        return handler.processRecords(action, this.checkpointer);
      case 'leaseLost':
        return handler.leaseLost();
      case 'shardEnded':
        return handler.shardEnded(this.checkpointer);
      case 'shutdownRequested':
        return handler.shutdownRequested(this.checkpointer);
      case 'shutdown':
        // KCL 1.x: TERMINATE is the end of the shard, ZOMBIE a lost lease.
        return action.reason === 'TERMINATE' || action.reason === 'SHARD_END' ? handler.shardEnded(this.checkpointer) : handler.leaseLost();
      case 'unknown':
        return Promise.resolve();
    }
  }

  private requestCheckpoint(position: Position | null): Promise<string | null> {
    const result = this.checkpointLock.then(async () => {
      this.signal.throwIfAborted();
      const reply = new Promise<CheckpointReply>((resolve, reject) => {
        this.pendingReply = { resolve, reject };
      });
      await this.send(checkpointMessage(position));
      const answer = await reply;
      if (answer.sequenceNumber !== (position?.sequenceNumber ?? null)) {
        this.logger.warn({ asked: position, reply: answer }, 'checkpoint reply names another sequence number than the request');
      }
      return answer.error;
    });
    this.checkpointLock = result.catch(() => undefined);
    return result;
  }

  private send(line: string): Promise<void> {
    const next = this.writes.then(async () => {
      this.signal.throwIfAborted();
      if (!this.output.write(`${line}\n`)) await once(this.output, 'drain', { signal: this.signal });
    });
    this.writes = next.catch(() => undefined);
    return next;
  }

  private close(why: string): void {
    if (this.signal.aborted) return;
    this.logger.info({ why }, 'the daemon is gone: stopping');
    const gone = new DaemonGoneError(why);
    this.controller.abort(gone);
    this.pendingReply?.reject(gone);
    this.pendingReply = null;
    this.settle?.resolve();
  }

  private fail(error: unknown): void {
    this.controller.abort(error);
    this.pendingReply = null;
    this.settle?.reject(error);
  }
}

function preview(line: string): string {
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}... (${line.length} characters)` : line;
}
