/**
 * The playbook language as an editor sees it, published as JSON Schema in
 * `playbooks/playbook.schema.json`: a playbook whose first line is
 * `# yaml-language-server: $schema=<path or URL of that file>` is checked and completed as it is
 * typed (VS Code's YAML extension, JetBrains IDEs, any editor speaking the YAML language server).
 *
 * It is `spec.ts`'s schema with what people write before the loader expands it — the short forms
 * (`groupBy: actor.ip`, `threshold: 20`, `target: actor.ip`), durations as text (`10m`) — and with
 * what an editor can say early: the field names, the condition operators, a description of each
 * key. The loader (`parse.ts`) stays the authority and checks more than a schema can (a distinct
 * field that is also grouped by, a value of the wrong type for its field, a duration out of range);
 * the schema must never refuse a playbook the loader takes. `src/playbooks/editor-schema.test.ts`
 * holds it to that and fails when the committed file is not what this module generates
 * (`npm run schema:playbook` rewrites it).
 */
import { z } from 'zod';
import { REASON_PLACEHOLDERS } from '../core/reason';
import { SEGMENT } from '../events/fields';
import { PLAN_LIMITS } from '../engine/plan-check';
import { DURATION, DURATION_HINT } from './duration';
import { PLAYBOOK_FIELDS } from './fields';
import { PlaybookSchema, ResponseSchema, StepSchema, TargetSchema, ThresholdSchema } from './spec';

/** Where the schema is published; the example playbooks name it by its path beside them. */
export const SCHEMA_FILE = 'playbooks/playbook.schema.json';

const FIELD_NAMES = PLAYBOOK_FIELDS.filter((f) => f !== 'props.<name>') as [string, ...string[]];

// `props.<name>`, nested up to the depth the engine reads (`fieldPathProblem`).
const propsField = new RegExp(`^props(?:\\.${SEGMENT.source.slice(1, -1)}){1,3}$`);
const Field = z
  .union([z.enum(FIELD_NAMES), z.string().regex(propsField)])
  .meta({ id: 'field', description: `an event field: ${PLAYBOOK_FIELDS.join(', ')}` });

// The loader's own pattern, anchored to text that is not empty, with the blanks it trims.
const durationText = new RegExp(`^\\s*(?=\\d)${DURATION.source.slice(1, -1)}\\s*$`);
const Duration = z.union([z.int().min(0), z.string().regex(durationText)]).meta({ id: 'duration', description: DURATION_HINT });
const duration = (what: string) => Duration.describe(`${what}: ${DURATION_HINT}`);

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const Operators = z
  .strictObject({
    in: z.array(Scalar).min(1).describe('equals one of the values').optional(),
    prefix: z.string().min(1).describe('starts with the text').optional(),
    gt: z.number().describe('a number greater than this').optional(),
    gte: z.number().describe('a number at least this').optional(),
    lt: z.number().describe('a number less than this').optional(),
    lte: z.number().describe('a number at most this').optional(),
    cidr: z.array(z.string()).min(1).describe('an address in one of the ranges or addresses').optional(),
    exists: z.boolean().describe('present (true) or absent (false)').optional(),
    regex: z.string().describe('matches the regular expression (RE2 syntax; (?i) ignores case)').optional(),
    maxLength: z.int().min(1).describe('with regex: longer values are not matched (default 256, at most 4096)').optional(),
  })
  .refine((o) => Object.keys(o).length > 0)
  .meta({ id: 'operators', minProperties: 1, description: 'one operator (the range bounds gt, gte, lt, lte combine; maxLength goes with regex)' });

/** The operators this schema knows, to compare with the matcher's. */
export const EDITOR_OPERATORS: readonly string[] = Object.keys(Operators.shape);

const Conditions = z.record(Field, z.union([Scalar, Operators])).meta({
  id: 'conditions',
  description: 'which events count: field → a value it equals, or one operator (in, prefix, gt/gte/lt/lte, cidr, exists, regex); all must hold',
});

const Count = z.int().min(1).max(PLAN_LIMITS.threshold);

export const PlaybookDocumentSchema = PlaybookSchema.extend({
  name: PlaybookSchema.shape.name.describe('lower-case words joined by dashes, e.g. gift-card-enumeration; the responses name it as their detector'),
  description: PlaybookSchema.shape.description.describe('one sentence, for people'),
  enabled: PlaybookSchema.shape.enabled.describe('false keeps the playbook loaded and checked but not running (default true)'),
  simulate: PlaybookSchema.shape.simulate.describe('true writes responses marked simulated, which agents do not enforce (default false)'),
  match: Conditions.optional(),
  groupBy: z
    .union([Field, z.array(Field).min(1).max(4)])
    .describe('the field, or list of up to 4 fields, whose values together name one actor: actor.ip; [actor.ip, user.login]'),
  window: duration('the sliding window, from 1s to 7d'),
  threshold: z
    .union([Count, ThresholdSchema.extend({ count: Count, distinct: Field.optional() })])
    .describe('N (or { count: N }): N matching events of one group within the window; { count: N, distinct: FIELD }: N different values of FIELD')
    .optional(),
  sequence: z
    .array(StepSchema.extend({ match: Conditions, count: Count.describe('events this step needs (default 1)').optional() }))
    .min(2)
    .max(PLAN_LIMITS.sequenceSteps)
    .describe(`2 to ${PLAN_LIMITS.sequenceSteps} steps in order within the window; instead of threshold`)
    .optional(),
  cooldown: duration('after a response, the same target is not answered by this playbook again for this long').optional(),
  reason: PlaybookSchema.shape.reason.describe(`the response's reason, with placeholders ${REASON_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`),
  response: ResponseSchema.extend({
    action: ResponseSchema.shape.action.describe('ban, or redirect (with url)'),
    target: z
      .union([Field, TargetSchema.extend({ field: Field })])
      .describe('the groupBy field that names the target: actor.ip, or { field: FIELD, as: ip | user }'),
    duration: duration('how long the response lasts, from 1s to 365d'),
    url: ResponseSchema.shape.url.describe('for redirect: a path (/captcha) or an http(s) URL agents send the target to'),
  }),
}).meta({
  title: 'Riposte playbook',
  description: 'A detection rule without code: which events count, per whom, within what window, how many, and how to answer (docs/playbooks.md).',
});

/**
 * The JSON Schema of a playbook document, as committed. Draft-07: the draft every editor's YAML
 * support reads.
 */
export function playbookJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PlaybookDocumentSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
}

/** The committed file's text: the schema, two-space indented, with a final newline. */
export function playbookJsonSchemaText(): string {
  return `${JSON.stringify(playbookJsonSchema(), null, 2)}\n`;
}
