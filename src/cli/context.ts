import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { loadConfig, type BridgeConfig } from '../config/load';
import type { Settings } from '../config/settings-schema';
import { ConfigError } from '../config/errors';
import { JournalAccessError } from '../journal/operator-access';
import { CliExit, EXIT } from './exit-codes';
import { printableLines } from './printable';
import type { Db } from '../journal/sql/db';
import { openJournal, type OpenJournal } from '../journal/open-journal';

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
    if (err instanceof ConfigError) throw configExit(err, opts);
    throw err;
  }
}

/**
 * Exit 78 with every issue. With --json the report goes to stdout, valid or not, like a valid
 * one (a script reads one stream); the exit code says which it is.
 */
export function configExit(err: ConfigError, opts: GlobalOptions): CliExit {
  if (!opts.json) return new CliExit(EXIT.config, err.message);
  process.stdout.write(
    `${printableLines(JSON.stringify({ ok: false, issues: err.issues, warnings: err.warnings }))}\n`,
  );
  return new CliExit(EXIT.config, '');
}

/**
 * For the commands that work on the SQLite journal alone: with BRIDGE_JOURNAL_URL set the
 * daemons' journal is PostgreSQL, and writing to (or reading) the SQLite file would change
 * nothing they see. Exit 1, saying so, instead.
 */
export function sqliteJournalOnly(config: BridgeConfig, command: string): BridgeConfig {
  if (config.settings.BRIDGE_JOURNAL_URL) {
    throw new CliExit(
      EXIT.failure,
      `${command}: not available yet on a PostgreSQL journal (BRIDGE_JOURNAL_URL is set); it works on the SQLite journal only`,
    );
  }
  return config;
}

/**
 * A command's answer on stdout. Control and bidirectional characters are escaped in both forms:
 * JSON.stringify escapes the C0 controls but leaves C1 and bidirectional ones raw, and
 * escaping them again (`\u009b`) keeps the same JSON value.
 */
export function print(opts: GlobalOptions, human: string, machine: unknown): void {
  process.stdout.write(`${printableLines(opts.json ? JSON.stringify(machine) : human)}\n`);
}

type ReceiverSettings = Pick<
  Settings,
  'BRIDGE_HTTP_HOST' | 'BRIDGE_HTTP_PORT' | 'BRIDGE_TLS_CERT_FILE' | 'BRIDGE_ADMIN_TOKEN'
>;

/** The daemon's own receiver as a local client reaches it (a wildcard bind means loopback). */
export function receiverBase(
  settings: Pick<ReceiverSettings, 'BRIDGE_HTTP_HOST' | 'BRIDGE_HTTP_PORT' | 'BRIDGE_TLS_CERT_FILE'>,
): string {
  const bind = settings.BRIDGE_HTTP_HOST;
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const scheme = settings.BRIDGE_TLS_CERT_FILE ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${settings.BRIDGE_HTTP_PORT}`;
}

/**
 * What a request to the receiver needs besides its URL: over HTTPS, trust in the configured
 * certificate (verification stays on); for admin routes, the admin token, without which a
 * daemon bound to a LAN address refuses this host's own requests (they do not come from
 * loopback).
 */
export function receiverRequest(
  settings: ReceiverSettings,
  opts: { admin?: boolean } = {},
): { httpsAgent?: https.Agent; headers: Record<string, string> } {
  const headers: Record<string, string> =
    opts.admin && settings.BRIDGE_ADMIN_TOKEN ? { Authorization: `Bearer ${settings.BRIDGE_ADMIN_TOKEN}` } : {};
  const certFile = settings.BRIDGE_TLS_CERT_FILE;
  if (!certFile) return { headers };
  const pem = readFileSync(certFile, 'utf8');
  const served = new X509Certificate(pem).fingerprint256;
  const httpsAgent = new https.Agent({
    // The system's roots for a CA-issued certificate, the file itself for a self-signed one.
    ca: [...tls.rootCertificates, pem],
    // The receiver is reached at its bind address (often 127.0.0.1), which a certificate made
    // for the public name does not carry: the very certificate configured is accepted for it.
    checkServerIdentity: (host, cert) =>
      cert.fingerprint256 === served ? undefined : tls.checkServerIdentity(host, cert),
  });
  return { httpsAgent, headers };
}

/**
 * An operator command's work on the daemons' journal, whichever it is (openJournal chooses): a
 * PostgreSQL server that cannot be reached, or refuses, is an exit 1 naming it (password
 * hidden), and so is a missing or foreign SQLite file. A CliExit from `fn` (a usage error, a
 * refusal) goes through as it is.
 */
export async function withJournal<T>(
  config: BridgeConfig,
  command: string,
  mode: 'read' | 'write',
  fn: (db: Db, where: string) => Promise<T>,
  hint = '',
): Promise<T> {
  let journal: OpenJournal;
  try {
    journal = openJournal(config.settings, { mode, command });
  } catch (err) {
    if (err instanceof JournalAccessError) throw new CliExit(EXIT.failure, err.message);
    throw err;
  }
  try {
    return await fn(journal.db, journal.where);
  } catch (err) {
    if (err instanceof CliExit || journal.db.dialect === 'sqlite') throw err;
    throw new CliExit(
      EXIT.failure,
      `${command}: the PostgreSQL journal ${journal.where} could not be used: ${(err as Error).message}${hint}`,
    );
  } finally {
    await journal.close();
  }
}
