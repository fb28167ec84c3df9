/** A progress line on standard error, redrawn at most every 200 ms, only when it is a terminal. */
import type { Writable } from 'node:stream';

export class Progress {
  private last = 0;
  private shown = false;

  constructor(private readonly stream: Writable & { isTTY?: boolean }) {}

  update(text: string): void {
    if (this.stream.isTTY !== true) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.stream.write(`\r\u001b[2K${text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\u001b[2K');
    this.shown = false;
  }
}
