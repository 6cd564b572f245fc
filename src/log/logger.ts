import winston from 'winston';
import type { Writable } from 'node:stream';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  /** Secret values to scrub from every field of every line, wherever they appear. */
  secrets: readonly string[];
  /** Where JSON lines go; stdout (journald) unless a test captures them. */
  stream?: Writable;
}

const SECRET_FIELD = /pass(word)?|secret|token|authorization/i;

/** Replaces secrets in any value: by field name, and by value inside strings (URLs, errors). */
export function scrub(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('HIDDEN');
    return out;
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message, secrets), code: (value as { code?: unknown }).code };
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) && typeof v === 'string' ? 'HIDDEN' : scrub(v, secrets, depth + 1);
  }
  return out;
}

const redact = winston.format((info, opts) => {
  const secrets = (opts as { secrets: readonly string[] }).secrets;
  for (const key of Object.keys(info)) {
    const v = info[key];
    info[key] = SECRET_FIELD.test(key) && typeof v === 'string' ? 'HIDDEN' : scrub(v, secrets);
  }
  return info;
});

export function createLogger(opts: LoggerOptions): Logger {
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: opts.level,
    format: winston.format.combine(
      winston.format.timestamp(),
      redact({ secrets: opts.secrets }),
      winston.format.json(),
    ),
    transports: [transport],
  });
}
