/**
 * Dead letters as JSON lines appended to a file: one line per rejected record, with where it came
 * from (shard, sequence and sub-sequence numbers, partition key), why it was rejected, its size and
 * the first bytes of it (base64). `write` resolves once the lines are on disk (fdatasync), since a
 * driver checkpoints past the records right after.
 *
 * Several processes may append to the same file (the KCL runs one child per shard): each batch is
 * one append of whole lines, which O_APPEND keeps in one piece on a local file system.
 *
 * Idempotent by record: a batch retried after a failed write, or replayed after a restart (every
 * restart replays from the last checkpoint), would otherwise add the same letters again and again.
 * Before each append the sink reads what the file gained since it last looked — its own lines and
 * other processes' (a shard's lease may have moved here from another worker) — and leaves out the
 * letters whose shard, sequence and sub-sequence numbers are there already. The keys remembered are
 * bounded (`rememberAtMost`, the newest kept): a replay goes back to the last checkpoint only, so
 * only recent letters can come again. For the same reason a process starting reads only the file's
 * last `scanTailBytes` (the file is never rotated; its start is letters no replay brings back), and
 * its own appends are not read back.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../core/ports';
import { safeJsonText } from '../core/untrusted-text';

const DEFAULT_REMEMBER = 200_000;
/** Read the file's new part in slices of this much, so a large file is not read into memory at once. */
const READ_CHUNK = 1024 * 1024;
/** About 200,000 letters of ~300 bytes: as far back as the keys remembered reach anyway. */
const DEFAULT_SCAN_TAIL = 64 * 1024 * 1024;

export interface DeadLetterFileOptions {
  clock?: () => number;
  /** Letters whose keys are remembered for leaving out repeats, at most. */
  rememberAtMost?: number;
  /** Bytes at the end of an existing file read when the sink first appends to it. */
  scanTailBytes?: number;
}

export class JsonLinesDeadLetterSink implements DeadLetterSink {
  private handle: Promise<FileHandle> | undefined;
  /** Appends run one after the other, so lines of two batches never interleave. */
  private queue: Promise<void> = Promise.resolve();
  /** Keys of the letters in the file (the newest `rememberAtMost`), in the order they were found. */
  private readonly known = new Set<string>();
  /** Bytes of the file whose lines are in `known`: always the end of a whole line. */
  private scanned = 0;
  /** Whether the file has been looked at since it was opened (the first look reads only its tail). */
  private started = false;
  private readonly scanTailBytes: number;
  private readonly clock: () => number;
  private readonly rememberAtMost: number;

  constructor(
    readonly path: string,
    options: DeadLetterFileOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.rememberAtMost = options.rememberAtMost ?? DEFAULT_REMEMBER;
    this.scanTailBytes = options.scanTailBytes ?? DEFAULT_SCAN_TAIL;
  }

  write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return Promise.resolve();
    const done = this.queue.then(() => this.append(letters));
    this.queue = done.catch(() => undefined);
    return done;
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await (await handle).close();
  }

  private async append(letters: readonly DeadLetter[]): Promise<void> {
    this.handle ??= this.openFile();
    let handle: FileHandle;
    try {
      handle = await this.handle;
    } catch (error) {
      this.handle = undefined; // try to open it again next time (the directory may appear)
      throw error;
    }
    const sizeBefore = await this.catchUp(handle);
    const fresh: DeadLetter[] = [];
    const keys = new Set<string>();
    for (const letter of letters) {
      const key = letterKey(letter);
      if (this.known.has(key) || keys.has(key)) continue;
      keys.add(key);
      fresh.push(letter);
    }
    if (fresh.length === 0) return;
    const at = new Date(this.clock()).toISOString();
    // The reason may quote what the record held: written with its steering characters escaped.
    const text = fresh.map((letter) => `${safeJsonText(JSON.stringify({ at, ...letter }))}\n`).join('');
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
    for (const key of keys) this.remember(key);
    // Our own lines need no reading back: when nothing else was unread before them and nobody
    // appended beside them, the file up to its end is known.
    if (sizeBefore === this.scanned && (await handle.stat()).size === sizeBefore + Buffer.byteLength(text)) this.scanned += Buffer.byteLength(text);
  }

  /** Reads the lines appended since the last look (by anyone) and remembers their keys; resolves with the size looked at. */
  private async catchUp(handle: FileHandle): Promise<number> {
    const { size } = await handle.stat();
    let carry = '';
    if (!this.started) {
      this.started = true;
      if (size > this.scanTailBytes) await this.startAtLineAfter(handle, size - this.scanTailBytes);
    }
    while (this.scanned + Buffer.byteLength(carry) < size) {
      const from = this.scanned + Buffer.byteLength(carry);
      const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - from));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      if (bytesRead === 0) break;
      const text = carry + buffer.toString('utf8', 0, bytesRead);
      const end = text.lastIndexOf('\n');
      if (end === -1) {
        carry = text;
        continue;
      }
      for (const line of text.slice(0, end).split('\n')) {
        const key = keyOfLine(line);
        if (key !== undefined) this.remember(key);
      }
      this.scanned += Buffer.byteLength(text.slice(0, end + 1));
      carry = text.slice(end + 1);
    }
    // A line without its newline (a writer that died mid-append) is left for a later look.
    return size;
  }

  /** Sets `scanned` to the start of the first whole line at or after `from` (the byte before it a newline). */
  private async startAtLineAfter(handle: FileHandle, from: number): Promise<void> {
    let at = from - 1;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) break;
      const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
      if (newline !== -1) {
        this.scanned = at + newline + 1;
        return;
      }
      at += bytesRead;
    }
    this.scanned = at; // no newline in the tail: one line cut short, left for a later look
  }

  private remember(key: string): void {
    this.known.delete(key);
    this.known.add(key);
    if (this.known.size > this.rememberAtMost) this.known.delete(this.known.values().next().value as string);
  }

  private async openFile(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    return open(this.path, 'a+');
  }
}

function letterKey(letter: Pick<DeadLetter, 'shardId' | 'sequenceNumber' | 'subSequenceNumber'>): string {
  return `${letter.shardId}\n${letter.sequenceNumber}\n${letter.subSequenceNumber}`;
}

/** The key of one line of the file, or undefined for a line that is not a dead letter (left as it is). */
function keyOfLine(line: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { shardId, sequenceNumber, subSequenceNumber } = (value ?? {}) as Partial<DeadLetter>;
  if (typeof shardId !== 'string' || typeof sequenceNumber !== 'string' || typeof subSequenceNumber !== 'number') return undefined;
  return letterKey({ shardId, sequenceNumber, subSequenceNumber });
}
