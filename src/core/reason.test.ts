import loginBruteForce from '../../detectors/login-brute-force';
import { ConfigError } from './config-errors';
import { StaticAppConfigSource } from '../engine/app-settings';
import { defineDetector, type DetectorDefinition } from './detector';
import { fillReason, reasonProblems } from './reason';

/** login-brute-force with another reason template. */
function withReason(reason: string): DetectorDefinition {
  return defineDetector({
    ...loginBruteForce,
    name: 'login-brute-force-reworded',
    plan: (p) => {
      const plan = loginBruteForce.plan(p);
      return { ...plan, signals: plan.signals.map((s) => ({ ...s, reason })) };
    },
  }) as DetectorDefinition;
}

function loadError(definition: DetectorDefinition): unknown {
  try {
    new StaticAppConfigSource([loginBruteForce as DetectorDefinition, definition], { apps: { shop: {} } });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("a detector's reason template", () => {
  it('fails at load on a placeholder that does not exist, naming the detector, the placeholder and the ones there are', () => {
    const error = loadError(withReason('{count} failures in {window} s'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'defaults.detectors.login-brute-force-reworded: signals[0].reason: unknown placeholder {window}; placeholders are {count}, {threshold}, {windowSeconds}, {field}',
    );
  });

  it('reports each unknown placeholder, an empty one included', () => {
    expect(reasonProblems('{Count} of {threshold} in {}')).toEqual([
      'unknown placeholder {Count}; placeholders are {count}, {threshold}, {windowSeconds}, {field}',
      'unknown placeholder {}; placeholders are {count}, {threshold}, {windowSeconds}, {field}',
    ]);
  });

  it('loads with every placeholder there is, and with braces that hold no placeholder', () => {
    expect(loadError(withReason('{count} of {threshold} {field} values in {windowSeconds} s {not a placeholder}'))).toBeUndefined();
  });

  it('is filled with the values of the window that fired', () => {
    expect(fillReason('{count}/{threshold} {field} in {windowSeconds} s', { count: '12', threshold: '10', windowSeconds: '60', field: 'user.login' })).toBe(
      '12/10 user.login in 60 s',
    );
  });
});
