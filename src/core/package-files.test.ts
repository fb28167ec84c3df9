import { join } from 'node:path';
import { findUpwards, packageVersion } from './package-files';

const ROOT = join(__dirname, '..', '..');

describe('findUpwards', () => {
  it('finds a file in the nearest directory above that has it', () => {
    expect(findUpwards('package.json')).toBe(join(ROOT, 'package.json'));
    expect(findUpwards('rules/pack.json')).toBe(join(ROOT, 'rules', 'pack.json'));
    expect(findUpwards('ports.ts')).toBe(join(__dirname, 'ports.ts'));
  });

  it('is undefined when no directory up to the root has it', () => {
    expect(findUpwards('no-such-file.riposte')).toBeUndefined();
  });
});

it('packageVersion is the version in package.json', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(packageVersion()).toBe((require('../../package.json') as { version: string }).version);
});
