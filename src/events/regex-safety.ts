/**
 * Regular expressions in matchers run on RE2 (the `re2js` port), an engine that never backtracks:
 * matching costs at most the input's length times the size of the compiled pattern, whatever the
 * pattern. JavaScript's own engine backtracks, and no static check of its patterns is both sound and
 * permissive — nesting checks let `.*a.*a.*a.*b` (polynomial) and `a?a?a?…aaa` (exponential) through,
 * while ReDoS analysers refuse `/users/\d+` unless anchored and take seconds on some inputs. So a
 * playbook cannot stall a shard by construction, and the one bound left is checked here: the input
 * length a pattern may see times its program size stays under a fixed budget.
 *
 * RE2 syntax is JavaScript's minus back-references and look-around (refused with RE2's message);
 * `(?i)` makes a pattern case-insensitive.
 */
import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 512;

/**
 * Steps one match may take at most: input length × program size. At the default input bound (256
 * characters) a pattern may compile to 256 instructions; a typical one needs 20 to 50. Measured on
 * re2js: about 5 ns a step, so no match costs more than about 0.3 ms.
 */
export const REGEX_STEP_BUDGET = 65_536;

export interface SafeRegex {
  test(input: string): boolean;
  /** Instructions of the compiled program: the per-character cost. */
  readonly programSize: number;
}

/** Compiles `pattern` for inputs of at most `maxLength` characters; returns what is wrong with it instead when it cannot. */
export function compileSafeRegex(pattern: string, maxLength: number): SafeRegex | string {
  if (pattern.length > MAX_PATTERN_LENGTH) return `pattern is ${pattern.length} characters; at most ${MAX_PATTERN_LENGTH}`;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    return `not a regular expression RE2 accepts (${(error as Error).message}); back-references and look-around are not supported`;
  }
  const programSize = re.programSize();
  if (programSize * maxLength > REGEX_STEP_BUDGET) {
    const longest = Math.floor(REGEX_STEP_BUDGET / programSize);
    return (
      `pattern compiles to ${programSize} instructions; with inputs of up to ${maxLength} characters one match could take ` +
      `${programSize * maxLength} steps, more than ${REGEX_STEP_BUDGET}: simplify it (large {n,m} repeats cost the most) or set maxLength to at most ${longest}`
    );
  }
  return { test: (input) => re.test(input), programSize };
}
