/** Characters that steer a display are shown escaped; everything else is kept as it is. */
import { escapedText, safeJsonText, segments, visiblyEscapedJsonText } from './untrusted-text';

describe('untrusted text', () => {
  test.each([
    ['plain text is one plain run', 'alice@example.com', [{ text: 'alice@example.com', escaped: false }]],
    ['markup is kept as text (React renders it as such)', '<img src=x onerror=alert(1)>', [{ text: '<img src=x onerror=alert(1)>', escaped: false }]],
    ['an empty value is one empty run', '', [{ text: '', escaped: false }]],
    [
      'a right-to-left override is cut out and escaped',
      'invoice\u202Etxt.exe',
      [
        { text: 'invoice', escaped: false },
        { text: '\\u202E', escaped: true },
        { text: 'txt.exe', escaped: false },
      ],
    ],
    ['a line separator at the end', 'a\u2028', [{ text: 'a', escaped: false }, { text: '\\u2028', escaped: true }]],
  ])('%s', (_name, value, expected) => {
    expect(segments(value)).toEqual(expected);
  });

  test.each([
    ['isolates, embeddings and marks', '\u2066\u2067\u2068\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C', '\\u2066\\u2067\\u2068\\u2069\\u202A\\u202B\\u202C\\u202D\\u200E\\u200F\\u061C'],
    ['line and paragraph separators, newline, tab, NUL and DEL', 'a\u2028b\u2029c\nd\te\u0000f\u007F', 'a\\u2028b\\u2029c\\u000Ad\\u0009e\\u0000f\\u007F'],
    ['zero-width characters and the byte-order mark', 'ad\u200Bmin\u200D\uFEFF', 'ad\\u200Bmin\\u200D\\uFEFF'],
    ['right-to-left letters, which are text, not controls', 'שלום', 'שלום'],
  ])('%s', (_name, value, expected) => {
    expect(escapedText(value)).toBe(expected);
  });

  describe('in JSON', () => {
    const value = { login: 'admin\u202Egnp.exe', path: '/a\u2028b', agent: 'x\u200By\u007Fz', plain: 'שלום <b>', nested: ['\u2066', { deep: '\uFEFF' }] };
    const raw = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

    test('safeJsonText writes every steering character as a JSON escape: no raw one left, the same value parsed back', () => {
      const json = JSON.stringify(value);
      expect(raw.test(json)).toBe(true);
      const safe = safeJsonText(json);
      expect(raw.test(safe)).toBe(false);
      expect(safe).toContain('admin\\u202Egnp.exe');
      expect(JSON.parse(safe)).toEqual(value);
    });

    test('visiblyEscapedJsonText makes them visible text once parsed, for a pretty-printer that shows the values', () => {
      const parsed = JSON.parse(visiblyEscapedJsonText(JSON.stringify(value))) as typeof value;
      expect(parsed.login).toBe('admin\\u202Egnp.exe');
      expect(parsed.path).toBe(escapedText(value.path));
      expect(raw.test(JSON.stringify(parsed))).toBe(false);
    });

    test('a backslash before the character stays a backslash', () => {
      const value = { s: '\\\u202E' };
      expect(JSON.parse(safeJsonText(JSON.stringify(value)))).toEqual(value);
      expect((JSON.parse(visiblyEscapedJsonText(JSON.stringify(value))) as { s: string }).s).toBe('\\\\u202E');
    });
  });
});
