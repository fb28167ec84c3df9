/**
 * The console imports the wire types (wire.ts) with `import type`, which its build erases: no server
 * code goes into the page. A value exported from wire.ts would be code the page could pull in.
 */
import * as wire from './wire';

test('the wire module exports types only, which the console build erases', () => {
  expect(Object.keys(wire)).toEqual([]);
});
