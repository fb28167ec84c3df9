/**
 * A problem before it has a position: the path of the offending key or value, whether the message is
 * about the key itself (an unknown key) rather than its value, and the message.
 */
import type { z } from 'zod';
import { didYouMean } from '../core/did-you-mean';
import type { Path } from './locate';
import { allowedKeysAt } from './spec';

export interface Issue {
  path: Path;
  message: string;
  /** Point at the key rather than the value. */
  key?: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${JSON.stringify(value)} (a ${typeof value})`;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
  record: 'a mapping of field conditions',
};

/** Says what is wrong in a person's words: the value seen and what is allowed. */
export function fromZodIssue(issue: z.core.$ZodIssue): Issue[] {
  const path = issue.path as Path;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path);
      return issue.keys.map((k) => ({
        path: [...path, k],
        key: true,
        message: `unknown key${didYouMean(k, allowed)}${allowed.length > 0 ? `; keys here are ${allowed.join(', ')}` : ''}`,
      }));
    }
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (input === undefined) return [{ path, message: `missing; expected ${expected}` }];
      return [{ path, message: `expected ${expected}, got ${describe(input)}` }];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      if (input === undefined) return [{ path, message: `missing; one of ${values.join(', ')}` }];
      return [{ path, message: `${JSON.stringify(input)} is not one of ${values.join(', ')}${didYouMean(String(input), values)}` }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      if (issue.origin === 'array') return [{ path, message: `${(input as unknown[] | undefined)?.length ?? 0} items; ${bound}` }];
      if (issue.origin === 'string') return [{ path, message: `${(input as string | undefined)?.length ?? 0} characters; ${bound}` }];
      return [{ path, message: `${describe(input)} is out of range; ${bound}` }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}
