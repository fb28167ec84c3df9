/**
 * Array chores the windows share. A window keeps some things in arrays side by side (times with id
 * hashes, values or step masks), where one index is one event in each, so they change together.
 * Slot tables keep typed arrays indexed by slot that grow with the table.
 */

/**
 * Inserts `a` and `b` at index `at` of `as` and `bs`. Most reports arrive in order, so `at` is
 * usually the end, where a push is much cheaper than a splice.
 */
export function insertPair<A, B>(as: A[], bs: B[], at: number, a: A, b: B): void {
  if (at === as.length) {
    as.push(a);
    bs.push(b);
  } else {
    as.splice(at, 0, a);
    bs.splice(at, 0, b);
  }
}

/**
 * Drops the first `n` items of `as` and `bs`. A splice rather than a copy loop: a distinct window may
 * keep thousands of values, and V8 trims the front of a large array without moving the rest.
 */
export function dropFront<A, B>(as: A[], bs: B[], n: number): void {
  if (n === 0) return;
  as.splice(0, n);
  bs.splice(0, n);
}

/** A copy of `array` with room for `capacity` items; the new ones are zero. */
export function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, capacity: number): T {
  const copy = new (array.constructor as new (length: number) => T)(capacity);
  copy.set(array);
  return copy;
}
