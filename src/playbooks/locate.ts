/**
 * Where a value sits in a YAML file: the line and column of the node at a path, so that every
 * problem in a playbook points at the text to fix.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export type Path = readonly (string | number)[];

export interface Position {
  line: number;
  col: number;
}

/** The position of the value at `path` in a playbook's text, for a problem found after parsing. */
export function positionIn(text: string, path: Path): Position {
  const lines = new LineCounter();
  return new YamlLocator(parseDocument(text, { lineCounter: lines }), lines).position(path);
}

export class YamlLocator {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * The position of the value at `path` (of its key, with `key`). When the path does not exist (a
   * missing key), the key of the deepest mapping entry that does, so the message points at the
   * block that lacks it.
   */
  position(path: Path, key = false): Position {
    let node: unknown = this.document.contents;
    let keyNode: Node | null = null;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) return this.at(keyNode ?? (node as Node));
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        keyNode = node as Node;
      } else {
        break;
      }
    }
    if (key && keyNode !== null) return this.at(keyNode);
    return this.at((node as Node | null) ?? keyNode);
  }

  offset(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  private at(node: Node | null): Position {
    const start = node?.range?.[0];
    return start === undefined ? { line: 1, col: 1 } : this.offset(start);
  }
}
