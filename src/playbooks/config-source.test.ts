import loginBruteForce from '../../detectors/login-brute-force';
import { StaticAppConfigSource } from '../engine/app-settings';
import type { DetectorDefinition } from '../core/detector';
import type { Logger } from '../core/ports';
import { PlaybookConfigSource } from './config-source';
import type { PlaybookEntry } from './provider';

const yaml = (name: string, count: number, extra = '') =>
  `${extra}name: ${name}\ndescription: Counts gift-card attempts.\nmatch: { type: custom, event: gift_card_redeem }\ngroupBy: actor.ip\nwindow: 10m\nthreshold: ${count}\nresponse: { action: ban, target: actor.ip, duration: 1h }\n`;
const entry = (name: string, text: string): PlaybookEntry => ({ name, yaml: text, origin: `${name}.yaml` });

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (_obj: object, msg?: string) => errors.push(msg ?? '') };
}

/** A source over a mutable list of entries, as a directory or the registry would give. */
function sourceWith(initial: PlaybookEntry[]) {
  let entries: readonly PlaybookEntry[] = initial;
  const logger = recordingLogger();
  const source = new PlaybookConfigSource(new StaticAppConfigSource([loginBruteForce as DetectorDefinition]), { playbooksFor: () => entries }, logger);
  return { source, logger, set: (next: PlaybookEntry[]) => (entries = next) };
}

const names = (s: PlaybookConfigSource, app = 'shop') => s.forApp(app).detectors.map((d) => d.name);
const threshold = (s: PlaybookConfigSource, name: string) => s.forApp('shop').detectors.find((d) => d.name === name)?.plan.signals[0]?.threshold;

describe('adding playbooks to an application configuration', () => {
  it('runs valid playbooks after the built-in detectors', () => {
    const { source } = sourceWith([entry('gift-cards', yaml('gift-cards', 20))]);
    expect(names(source)).toEqual(['login-brute-force', 'gift-cards']);
  });

  it('answers with the same object while nothing changed, even when the list is rebuilt', () => {
    const { source, set } = sourceWith([entry('gift-cards', yaml('gift-cards', 20))]);
    const first = source.forApp('shop');
    expect(source.forApp('shop')).toBe(first);
    set([entry('gift-cards', yaml('gift-cards', 20))]);
    expect(source.forApp('shop')).toBe(first);
  });

  it('answers with the same object when only a comment changed', () => {
    const { source, set } = sourceWith([entry('gift-cards', yaml('gift-cards', 20))]);
    const first = source.forApp('shop');
    set([entry('gift-cards', yaml('gift-cards', 20, '# tuned on monday\n'))]);
    expect(source.forApp('shop')).toBe(first);
  });

  it('answers with a new object when a playbook changed', () => {
    const { source, set } = sourceWith([entry('gift-cards', yaml('gift-cards', 20))]);
    const first = source.forApp('shop');
    set([entry('gift-cards', yaml('gift-cards', 30))]);
    expect(source.forApp('shop')).not.toBe(first);
    expect(threshold(source, 'gift-cards')).toBe(30);
  });

  it('keeps the last valid version running when a new one is broken, and counts and logs the refusal once', () => {
    const { source, set, logger } = sourceWith([entry('gift-cards', yaml('gift-cards', 20))]);
    source.forApp('shop');
    set([entry('gift-cards', yaml('gift-cards', 20).replace('window: 10m', 'window: 10 minutes'))]);
    expect(threshold(source, 'gift-cards')).toBe(20);
    source.forApp('blog');
    source.forApp('shop');
    expect(source.stats).toEqual({ loaded: 1, refused: 1 });
    expect(logger.errors).toHaveLength(1);
    expect(source.problemsFor('shop').map((p) => `${p.origin}:${p.line}:${p.col}`)).toEqual(['gift-cards.yaml:5:9']);
  });

  it('does not run a playbook that was never valid', () => {
    const { source } = sourceWith([entry('gift-cards', yaml('gift-cards', 20).replace('type: custom', 'type: custm'))]);
    expect(names(source)).toEqual(['login-brute-force']);
    expect(source.stats.refused).toBe(1);
  });

  it('stops a playbook that was removed or disabled', () => {
    const { source, set } = sourceWith([entry('a', yaml('a', 20)), entry('b', yaml('b', 20))]);
    expect(names(source)).toEqual(['login-brute-force', 'a', 'b']);
    set([entry('a', `${yaml('a', 20)}enabled: false\n`)]);
    expect(names(source)).toEqual(['login-brute-force']);
  });

  it('refuses a playbook named like a built-in detector or another playbook', () => {
    const { source } = sourceWith([entry('login-brute-force', yaml('login-brute-force', 20)), entry('a', yaml('a', 20)), entry('a', yaml('a', 5))]);
    expect(names(source)).toEqual(['login-brute-force', 'a']);
    expect(threshold(source, 'a')).toBe(20);
    expect(source.problemsFor('shop').map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`)).toEqual([
      '1:7: name: "login-brute-force" is already the name of another detector or playbook of shop; choose another name (taken: login-brute-force)',
      '1:7: name: "a" is already the name of another detector or playbook of shop; choose another name (taken: login-brute-force, a)',
    ]);
    expect(source.stats.loaded).toBe(1);
  });
});
