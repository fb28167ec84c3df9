/**
 * A response's reason is a template: "{count} login failures in {windowSeconds} s". Detectors and
 * playbooks write one; the engine fills it when a signal fires. The placeholders, the check that a
 * template uses only those, and the filling live here so the three cannot drift apart.
 */

/** What a reason may say, filled from the window that fired and the signal's spec. */
export const REASON_PLACEHOLDERS = ['count', 'threshold', 'windowSeconds', 'field'] as const;

export type ReasonPlaceholder = (typeof REASON_PLACEHOLDERS)[number];

// `\w*`, not `\w+`: `{}` is a placeholder with an empty name, a typo worth reporting.
const PLACEHOLDER = /\{(\w*)\}/g;

/**
 * What is wrong with the placeholders of `template`, one message per unknown placeholder, each
 * naming the placeholders there are; empty when every placeholder is known.
 */
export function reasonProblems(template: string): string[] {
  const problems: string[] = [];
  for (const [, name = ''] of template.matchAll(PLACEHOLDER)) {
    if (!(REASON_PLACEHOLDERS as readonly string[]).includes(name)) {
      problems.push(`unknown placeholder {${name}}; placeholders are ${REASON_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
  }
  return problems;
}

/** `template` with each placeholder replaced by its value; checked templates have no others. */
export function fillReason(template: string, values: Readonly<Record<ReasonPlaceholder, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (values as Readonly<Record<string, string>>)[name] ?? whole);
}
