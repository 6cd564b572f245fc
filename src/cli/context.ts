import { loadConfig, type BridgeConfig } from '../config/load';
import { ConfigError } from '../config/errors';
import type Database from 'better-sqlite3';
import { openJournalForOperator, JournalAccessError } from '../journal/operator-access';
import { CliExit, EXIT } from './exit-codes';

export interface GlobalOptions {
  envFile?: string;
  storesFile?: string;
  json?: boolean;
}

/** Loads the config for a command, turning a ConfigError into exit code 78 with every issue. */
export function configFor(opts: GlobalOptions): BridgeConfig {
  try {
    return loadConfig({
      ...(opts.envFile ? { envFile: opts.envFile } : {}),
      ...(opts.storesFile ? { storesFile: opts.storesFile } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      const text = opts.json ? JSON.stringify({ ok: false, issues: err.issues, warnings: err.warnings }) : err.message;
      throw new CliExit(EXIT.config, text);
    }
    throw err;
  }
}

export function print(opts: GlobalOptions, human: string, machine: unknown): void {
  process.stdout.write(`${opts.json ? JSON.stringify(machine) : human}\n`);
}

/** The daemon's own receiver as a local client reaches it (a wildcard bind means loopback). */
export function receiverBase(settings: { BRIDGE_HTTP_HOST: string; BRIDGE_HTTP_PORT: number }): string {
  const bind = settings.BRIDGE_HTTP_HOST;
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${settings.BRIDGE_HTTP_PORT}`;
}

/** The daemon's journal for an operator command; a missing or foreign journal is exit 1. */
export function openOrExit(file: string, mode: 'read' | 'write'): Database.Database {
  try {
    return openJournalForOperator(file, mode);
  } catch (err) {
    if (err instanceof JournalAccessError) throw new CliExit(EXIT.failure, err.message);
    throw err;
  }
}
