/** A stream a test hands to code that writes (a command's stdout or stderr), and what was written to it. */
import { PassThrough } from 'node:stream';

export interface CapturedStream {
  stream: PassThrough;
  text(): string;
}

export function capturedStream(): CapturedStream {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}
