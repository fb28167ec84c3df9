/**
 * A conservative check that a regular expression cannot backtrack catastrophically, so a playbook
 * cannot stall a shard. JavaScript's engine backtracks; the patterns that make it exponential are
 * quantified groups that themselves contain a quantifier or an alternation (`(a+)+`, `(a|a)*`), and
 * back-references. Those are refused; everything else runs on inputs of bounded length.
 */

export const MAX_PATTERN_LENGTH = 512;

interface Group {
  quantified: boolean; // holds a quantifier
  alternation: boolean; // holds a `|`
}

/** Returns what makes `pattern` unsafe or invalid, or null when it is safe. */
export function checkRegexSafety(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH}`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a regular expression: ${(error as Error).message}`;
  }
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let lastClosed: Group | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const top = stack[stack.length - 1] as Group;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'back-references are not allowed (they can take exponential time)';
      i++;
      lastClosed = null;
      continue;
    }
    if (c === '[') {
      // Skip a character class: quantifiers inside it are literal characters.
      i++;
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') i++;
        i++;
      }
      lastClosed = null;
      continue;
    }
    if (c === '(') {
      if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) || pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) {
        return 'look-around assertions are not allowed';
      }
      stack.push({ quantified: false, alternation: false });
      lastClosed = null;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop() as Group;
      const parent = stack[stack.length - 1] as Group;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      lastClosed = closed;
      continue;
    }
    if (c === '|') {
      top.alternation = true;
      lastClosed = null;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      const isQuantifier = c !== '{' || /^\{\d+(,\d*)?\}/.test(pattern.slice(i));
      if (isQuantifier) {
        if (c === '?' && pattern[i - 1] !== undefined && '*+?}'.includes(pattern[i - 1] as string)) continue; // lazy modifier
        if (lastClosed !== null && (lastClosed.quantified || lastClosed.alternation)) {
          return 'a quantified group contains a quantifier or an alternation (e.g. (a+)+ or (a|b)*): it can take exponential time';
        }
        top.quantified = true;
        if (c === '{') i = pattern.indexOf('}', i);
        lastClosed = null;
        continue;
      }
    }
    lastClosed = null;
  }
  return null;
}
