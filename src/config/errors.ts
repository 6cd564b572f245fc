export interface ConfigIssue {
  /** Where the problem is, e.g. `env.custom.ini: BRIDGE_HTTP_PORT` or `x-hoppers.json: stores[1].audio_conf_id`. */
  path: string;
  message: string;
}

/** A configuration that must stop the daemon at start (exit code 78, EX_CONFIG). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
