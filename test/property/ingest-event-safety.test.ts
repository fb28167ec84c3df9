/**
 * The ingest's safety check (src/api/ingest-event.ts) runs in two passes: `isSafe`, allocation-free,
 * on every event, and `unsafeContent`, which names the problem, only for an event `isSafe` refused.
 * They must agree on every value, or an event would pass that the walk would refuse (or be refused
 * with no reason to give). fast-check builds JSON values with control characters in text and keys,
 * `__proto__` keys and deep nesting.
 */
import fc from 'fast-check';
import { isSafe, unsafeContent } from '../../src/api/ingest-event';

const MAX_DEPTH = 2;
const char = fc.constantFrom('a', 'Z', ' ', 'é', '\u0000', '\u0007', '\n', '\u001f', '\u007f', '\u0080', '\u202e');
const text = fc.string({ unit: char, maxLength: 4 });
const key = fc.oneof({ weight: 8, arbitrary: fc.string({ unit: char, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constant('__proto__') });

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4 },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    // Built as JSON.parse builds it: `__proto__` an own key, not the prototype.
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`) as unknown),
  ),
}));

test('isSafe is true exactly when unsafeContent finds no problem', () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (entries) => {
      const event = JSON.parse(JSON.stringify(entries)) as object;
      expect(isSafe(event, 0, MAX_DEPTH)).toBe(unsafeContent(event, MAX_DEPTH) === null);
    }),
    { numRuns: 2000 },
  );
});
