/**
 * The rules pack agents download with GET /v1/agent/rules: a versioned JSON file shipped with Riposte
 * (rules/pack.json). Read and validated once at start; its hash is part of the endpoint's ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
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

/** rules/pack.json, found from this file upwards, so it is found from the sources and from dist/ alike. */
export function defaultRulesPackPath(): string {
  let dir = __dirname;
  for (let up = 0; up < 5; up++) {
    const candidate = join(dir, 'rules', 'pack.json');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`rules/pack.json not found above ${__dirname}`);
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
