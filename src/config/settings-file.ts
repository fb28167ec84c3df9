/**
 * Reads a per-application settings file (YAML or JSON; JSON is YAML) and validates it; errors name
 * the file, and for syntax errors the line and column.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { DetectorDefinition } from '../core/detector';
import { ConfigError } from '../core/config-errors';
import { parseSettings, type SettingsFile } from '../engine/app-settings';

export function loadSettingsFile(path: string, definitions: readonly DetectorDefinition[]): SettingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read settings file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseSettings(parseYamlFile(path, text, (message) => new ConfigError(message)), definitions, path);
}

/**
 * `text`, the content of the file `path`, as YAML (JSON is YAML). A syntax error is thrown as
 * `fail(message)`, the message starting with path:line:col, so that editors jump to it; `fail` lets
 * each caller throw its own error class.
 */
export function parseYamlFile(path: string, text: string, fail: (message: string) => Error): unknown {
  const document = parseDocument(text, { prettyErrors: true });
  const first = document.errors[0];
  if (first !== undefined) {
    const at = first.linePos?.[0];
    throw fail(`${path}${at === undefined ? '' : `:${at.line}:${at.col}`}: ${first.message}`);
  }
  return document.toJS();
}
