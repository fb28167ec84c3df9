import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlaybookDirectory } from './directory';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'riposte-playbooks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (path: string, text: string) => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
};
const listed = (d: PlaybookDirectory, app: string) => d.playbooksFor(app).map((e) => `${e.name}:${e.yaml}`);

describe('a directory of playbooks', () => {
  it('applies top-level files to every application and a folder named for an application to it alone', async () => {
    write('coupons.yaml', 'global coupons');
    write('scraping.yml', 'global scraping');
    write('README.md', 'not a playbook');
    write('shop/coupons.yaml', 'shop coupons');
    write('shop/refunds.yaml', 'shop refunds');
    const d = new PlaybookDirectory(dir);
    await d.refresh();
    expect(listed(d, 'blog')).toEqual(['coupons:global coupons', 'scraping:global scraping']);
    expect(listed(d, 'shop')).toEqual(['scraping:global scraping', 'coupons:shop coupons', 'refunds:shop refunds']);
    expect(d.playbooksFor('shop')[1]?.origin).toBe(join(dir, 'shop', 'coupons.yaml'));
  });

  it('reports no change and keeps the same lists when nothing changed', async () => {
    write('coupons.yaml', 'v1');
    const d = new PlaybookDirectory(dir);
    expect(await d.refresh()).toBe(true);
    const before = d.playbooksFor('shop');
    expect(await d.refresh()).toBe(false);
    expect(d.playbooksFor('shop')).toBe(before);
  });

  it('picks up an edited, an added and a removed file', async () => {
    write('coupons.yaml', 'v1');
    write('old.yaml', 'old');
    const d = new PlaybookDirectory(dir);
    await d.refresh();
    write('coupons.yaml', 'version 2');
    write('new.yaml', 'new');
    rmSync(join(dir, 'old.yaml'));
    expect(await d.refresh()).toBe(true);
    expect(listed(d, 'shop')).toEqual(['coupons:version 2', 'new:new']);
  });

  it('fails when the directory does not exist', async () => {
    await expect(new PlaybookDirectory(join(dir, 'missing')).refresh()).rejects.toThrow(/ENOENT/);
  });
});
