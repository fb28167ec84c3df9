/** Log lines carry what attackers sent; they must not steer whoever reads them. */
import { Writable } from 'node:stream';
import { createLogger } from './logger';

const login = 'admin\u202Egnp.exe\u2028root';
const steering = /[\u202E\u2028]/;

function capture(): { destination: Writable; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { destination, text: () => text };
}

describe('createLogger', () => {
  test('JSON lines write bidirectional and line-separator characters as JSON escapes: the value parses back unchanged', () => {
    const out = capture();
    createLogger({ pretty: false, destination: out.destination }).warn({ login, path: '/a\u2028b' }, `rejected ${login}`);
    expect(steering.test(out.text())).toBe(false);
    const line = JSON.parse(out.text()) as { login: string; path: string; msg: string };
    expect(line).toMatchObject({ login, path: '/a\u2028b', msg: `rejected ${login}` });
  });

  test('pretty lines show them as visible escapes', () => {
    const out = capture();
    createLogger({ pretty: true, destination: out.destination }).warn({ login }, 'rejected');
    expect(steering.test(out.text())).toBe(false);
    expect(out.text()).toContain('admin\\u202Egnp.exe\\u2028root');
  });
});
