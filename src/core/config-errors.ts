/**
 * The errors of bad configuration, apart from the schemas that raise them, so that the command line
 * can recognise them without loading zod and every schema first (it starts in a fraction of the time).
 */

/** One problem of a settings document: where (`apps.shop.detectors.scanner.windowSeconds`) and what. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Per-application settings that cannot run (src/engine/app-settings.ts); the message names the key. */
export class ConfigError extends Error {
  /** Each problem by its key, for a form that shows it beside the field (the console). */
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, options: ErrorOptions & { issues?: readonly ConfigIssue[] } = {}) {
    super(message, options);
    this.issues = options.issues ?? [];
  }
}

/**
 * A bad environment variable (src/config/env.ts), or a missing one: no AWS region (requireAwsRegion,
 * src/aws/clients.ts) is one too. The message names the variable and the value.
 */
export class EnvError extends Error {}

/**
 * A service the configuration names cannot be used at start-up (Redis down); the message says which,
 * and what to set or start.
 */
export class StartupError extends Error {}
