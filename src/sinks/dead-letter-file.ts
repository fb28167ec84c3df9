/**
 * Dead letters as JSON lines appended to a file: one line per rejected record, with where it came
 * from (shard, sequence and sub-sequence numbers, partition key), why it was rejected, its size and
 * the first bytes of it (base64). `write` resolves once the lines are on disk (fdatasync), since a
 * driver checkpoints past the records right after.
 *
 * Several processes may append to the same file (the KCL runs one child per shard): each batch is
 * one append of whole lines, which O_APPEND keeps in one piece on a local file system. A batch
 * retried after a failed write, or replayed after a crash, is written again: dead letters are
 * at-least-once, and the sequence numbers tell the copies apart.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../core/ports';

export class JsonLinesDeadLetterSink implements DeadLetterSink {
  private handle: Promise<FileHandle> | undefined;
  /** Appends run one after the other, so lines of two batches never interleave. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly clock: () => number = Date.now,
  ) {}

  write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return Promise.resolve();
    const at = new Date(this.clock()).toISOString();
    const text = letters.map((letter) => `${JSON.stringify({ at, ...letter })}\n`).join('');
    const done = this.queue.then(() => this.append(text));
    this.queue = done.catch(() => undefined);
    return done;
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await (await handle).close();
  }

  private async append(text: string): Promise<void> {
    this.handle ??= this.openFile();
    let handle: FileHandle;
    try {
      handle = await this.handle;
    } catch (error) {
      this.handle = undefined; // try to open it again next time (the directory may appear)
      throw error;
    }
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
  }

  private async openFile(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    return open(this.path, 'a');
  }
}
