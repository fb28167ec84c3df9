/**
 * The KeyIndex (open addressing, backward-shift deletion, arena compaction) against a Map, under
 * random inserts, lookups and removals — small capacities, so growth and compaction happen often.
 */
import fc from 'fast-check';
import { KeyIndex } from '../../src/window/key-index';

const key = fc.oneof(fc.ipV4(), fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('a', 'b', 'é', '漢字', '🙂'));
const op = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), key }),
  fc.record({ kind: fc.constant('remove' as const), key }),
  fc.record({ kind: fc.constant('find' as const), key }),
);

describe('KeyIndex', () => {
  it('behaves like a Map from keys to stable slots', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = new KeyIndex(2);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'insert') {
            const slot = index.findOrInsert(o.key);
            expect(index.inserted).toBe(!model.has(o.key));
            if (model.has(o.key)) expect(slot).toBe(model.get(o.key));
            else expect([...model.values()]).not.toContain(slot);
            model.set(o.key, slot);
          } else if (o.kind === 'remove') {
            const slot = model.get(o.key);
            if (slot !== undefined) {
              index.remove(slot);
              model.delete(o.key);
            }
          }
          expect(index.find(o.key)).toBe(model.get(o.key) ?? -1);
          expect(index.size).toBe(model.size);
        }
        for (const [k, slot] of model) {
          expect(index.find(k)).toBe(slot);
          expect(index.keyOf(slot)).toBe(k);
          expect(index.isLive(slot)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
