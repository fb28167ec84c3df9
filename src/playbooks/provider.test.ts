import { combinePlaybooks, registryPlaybooks, type PlaybookDocument, type PlaybookProvider } from './provider';

describe('playbooks from the application registry', () => {
  it('names where each came from and keeps the same list while the registry does', () => {
    let documents: readonly PlaybookDocument[] = [{ name: 'coupons', yaml: 'a' }];
    const provider = registryPlaybooks((app) => (app === 'shop' ? documents : undefined));
    const first = provider.playbooksFor('shop');
    expect(first).toEqual([{ name: 'coupons', yaml: 'a', origin: 'registry:shop/coupons' }]);
    expect(provider.playbooksFor('shop')).toBe(first);
    expect(provider.playbooksFor('blog')).toEqual([]);
    documents = [{ name: 'coupons', yaml: 'b' }];
    expect(provider.playbooksFor('shop')[0]?.yaml).toBe('b');
  });
});

describe('playbooks from several places', () => {
  it('lists them in order and rebuilds the list only when a part changed', () => {
    const fixed = [{ name: 'a', yaml: '', origin: 'a.yaml' }];
    let changing = [{ name: 'b', yaml: '', origin: 'registry:shop/b' }];
    const provider = combinePlaybooks({ playbooksFor: () => fixed }, { playbooksFor: () => changing } as PlaybookProvider);
    const first = provider.playbooksFor('shop');
    expect(first.map((e) => e.name)).toEqual(['a', 'b']);
    expect(provider.playbooksFor('shop')).toBe(first);
    changing = [...changing, { name: 'c', yaml: '', origin: 'registry:shop/c' }];
    expect(provider.playbooksFor('shop').map((e) => e.name)).toEqual(['a', 'b', 'c']);
  });
});
