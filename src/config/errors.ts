export interface ConfigIssue {
  /** Where the problem is, e.g. `env.custom.ini: BRIDGE_HTTP_PORT` or `x-hoppers.json: stores[1].audio_conf_id`. */
  path: string;
  message: string;
}

/**
 * A configuration that must stop the daemon at start (exit code 78, EX_CONFIG). It carries the
 * warnings too: a value cut short by a `;` often explains the error it caused.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly issues: ConfigIssue[],
    readonly warnings: ConfigIssue[] = [],
  ) {
    super(
      `invalid configuration:\n${issueLines(issues)}${warnings.length > 0 ? `\nwarnings:\n${issueLines(warnings)}` : ''}`,
    );
    this.name = 'ConfigError';
  }
}

export function issueLines(issues: ConfigIssue[]): string {
  return issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n');
}
