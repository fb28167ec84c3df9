/**
 * The event fields a playbook may name, with their types. The engine accepts any dotted path (an
 * event's unknown fields are kept), but in a playbook an unknown field is almost always a typo that
 * would silently match nothing: so playbooks name the fields of event v1, or `props.<name>` for what
 * the application sends itself.
 */
import { didYouMean } from '../core/did-you-mean';
import { KNOWN_FIELDS, fieldPathProblem } from '../events/fields';

export type FieldType = 'string' | 'number' | 'boolean' | 'any';

const NUMBER_FIELDS: ReadonlySet<string> = new Set(['v', 'request.status']);
const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['attack.blocked']);

export const PLAYBOOK_FIELDS: readonly string[] = [...KNOWN_FIELDS.filter((f) => f !== 'v'), 'props.<name>'];

export function fieldType(path: string): FieldType {
  if (path.startsWith('props.')) return 'any';
  if (NUMBER_FIELDS.has(path)) return 'number';
  if (BOOLEAN_FIELDS.has(path)) return 'boolean';
  return 'string';
}

/** Why `path` is not a field a playbook can use, or null. */
export function playbookFieldProblem(path: unknown): string | null {
  if (typeof path !== 'string') return `${JSON.stringify(path)} is not a field name`;
  if (path.startsWith('props.')) return fieldPathProblem(path);
  if ((KNOWN_FIELDS as readonly string[]).includes(path)) return null;
  return `"${path}" is not an event field${didYouMean(path, KNOWN_FIELDS)}; fields are ${PLAYBOOK_FIELDS.join(', ')}`;
}

/** Whether a value of `field` can equal `value`: a quoted "404" never equals the status 404. */
export function valueTypeProblem(field: string, value: unknown): string | null {
  const type = fieldType(field);
  if (type === 'any' || typeof value === type) return null;
  return `${field} is a ${type}, so ${JSON.stringify(value)} (a ${typeof value}) never matches it${type === 'number' && typeof value === 'string' && /^\d+$/.test(value) ? `; write ${value} without quotes` : ''}`;
}
