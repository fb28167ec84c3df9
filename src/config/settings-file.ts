/**
 * Reads a per-application settings file (YAML or JSON; JSON is YAML) and validates it; errors name
 * the file, and for syntax errors the line and column.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { DetectorDefinition } from '../core/detector';
import { ConfigError, parseSettings, type SettingsFile } from './app-config';

export function loadSettingsFile(path: string, definitions: readonly DetectorDefinition[]): SettingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read settings file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const where = first?.linePos?.[0] ? `${path}:${first.linePos[0].line}:${first.linePos[0].col}` : path;
    throw new ConfigError(`${where}: ${first?.message ?? 'not YAML or JSON'}`);
  }
  return parseSettings(document.toJS(), definitions, path);
}
