/**
 * A mistake in the options given to createAgent: thrown once, at start-up, where the application
 * is created, naming the option, the value seen, what is allowed, and why when it is not obvious.
 */
export class AgentOptionError extends TypeError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentOptionError';
  }
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function optionError(option: string, value: unknown, expected: string, why?: string): AgentOptionError {
  const reason = why === undefined ? '' : `: ${why}`;
  return new AgentOptionError(option, `@riposte/agent: options.${option} is ${show(value)}; expected ${expected}${reason}`);
}
