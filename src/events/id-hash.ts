/**
 * A 53-bit hash of an event id, stored beside the times a count window keeps (count.ts) to recognise
 * a report delivered twice without keeping the id itself. Two 32-bit FNV-1a variants make the 53
 * bits, so that two different ids of one actor at the same millisecond colliding is out of reach.
 * Zero means "no id".
 */
export function idHash(id: string | undefined): number {
  if (id === undefined) return 0;
  let a = 0x811c9dc5 | 0;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const hash = (a >>> 0) * 0x200000 + ((b >>> 11) & 0x1fffff);
  return hash === 0 ? 1 : hash;
}
