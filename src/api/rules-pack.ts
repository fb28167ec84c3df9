/**
 * The rules pack agents download with GET /v1/agent/rules: a versioned JSON file shipped with Riposte
 * (rules/pack.json). Read and validated once at start; its hash is part of the endpoint's ETag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { findUpwards } from '../core/package-files';
import { formatIssues } from '../events/schema';

const RulesPackSchema = z.looseObject({
  format: z.literal(1),
  version: z.string().min(1),
  rules: z.array(z.looseObject({ id: z.string().min(1), category: z.string().min(1) })),
});

export interface RulesPack {
  version: string;
  /** The pack as agents receive it. */
  content: Record<string, unknown>;
  /** Hash of the pack's content, for ETags. */
  hash: string;
}

/** The rules/pack.json shipped with Riposte (beside dist/ in the image, at the top of a checkout). */
function defaultRulesPackPath(): string {
  const path = findUpwards('rules/pack.json');
  if (path === undefined) throw new Error(`rules/pack.json not found above ${__dirname}`);
  return path;
}

export function loadRulesPack(path: string = defaultRulesPackPath()): RulesPack {
  const text = readFileSync(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = RulesPackSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is not a rules pack: ${formatIssues(parsed.error)}`);
  const ids = new Set<string>();
  for (const rule of parsed.data.rules) {
    if (ids.has(rule.id)) throw new Error(`${path}: rule id ${rule.id} appears twice`);
    ids.add(rule.id);
  }
  const content = parsed.data as Record<string, unknown>;
  return { version: parsed.data.version, content, hash: createHash('sha256').update(JSON.stringify(content)).digest('base64url') };
}
