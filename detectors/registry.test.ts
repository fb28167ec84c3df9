import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDetectors } from './index';

describe('the detector registry', () => {
  const files = readdirSync(__dirname);
  const modules = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));

  it('lists exactly the detector files of this folder', () => {
    expect(builtInDetectors.map((d) => d.name).sort()).toEqual(modules.sort());
  });

  it.each(modules)('%s is named for its file and has a test beside it', (name) => {
    const detector = builtInDetectors.find((d) => d.name === name);
    expect(detector?.name).toBe(name);
    expect(files).toContain(`${name}.test.ts`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require(join(__dirname, name)) as { default: unknown }).default).toBe(detector);
  });

  it.each(builtInDetectors.map((d) => [d.name, d]))('%s describes itself and parses its defaults', (_name, detector) => {
    expect(detector.description.length).toBeGreaterThan(20);
    expect(detector.params.safeParse({}).success).toBe(true);
  });
});
