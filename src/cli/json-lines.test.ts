/** byteLines: the lines of a stream, as bytes, however its chunks fall (a chunk's lines at a time). */
import { byteLines } from './json-lines';

async function linesOf(chunks: ReadonlyArray<string | Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const lines of byteLines((async function* () {
    yield* chunks;
  })())) out.push(...lines.map((line) => line.toString('utf8')));
  return out;
}

describe('byteLines', () => {
  test.each<[string, Array<string | Buffer>, string[]]>([
    ['lines ended by \\n', ['a\nb\n'], ['a', 'b']],
    ['the last line needs no end', ['a\nb'], ['a', 'b']],
    ['\\r\\n ends a line too, the \\r dropped', ['a\r\nb\r\n'], ['a', 'b']],
    ['a line split across chunks is whole', ['{"a":', '1}\n{"b"', ':2}\n'], ['{"a":1}', '{"b":2}']],
    ['a line across three chunks', ['ab', 'cd', 'ef\ng'], ['abcdef', 'g']],
    ['a \\r\\n split between chunks', ['a\r', '\nb'], ['a', 'b']],
    ['empty lines are kept, to count them', ['a\n\n\nb\n'], ['a', '', '', 'b']],
    ['nothing gives no line', [], []],
    ['a multi-byte character split between chunks stays whole', [Buffer.from([0x22, 0xc3]), Buffer.from([0xa9, 0x22, 0x0a])], ['"é"']],
    ['string chunks (a text stream) are read as UTF-8', ['é\nü'], ['é', 'ü']],
  ])('%s', async (_name, chunks, expected) => {
    expect(await linesOf(chunks)).toEqual(expected);
  });
});
