import { SECRET_KEYS, type Settings } from './settings-schema';
import { urlSecrets } from '../journal/pg/journal-url';

export const HIDDEN = 'HIDDEN';

/** The settings as an operator may see them: every secret printed as HIDDEN. */
export function redactSettings(settings: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = { ...settings };
  for (const key of SECRET_KEYS) if (out[key] !== undefined) out[key] = HIDDEN;
  return out;
}

/** The secret values of a config, for the logger to scrub from every line. */
export function secretValues(settings: Settings): string[] {
  const values = SECRET_KEYS.map((k) => settings[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
  // The journal URL's password alone, too: a driver error may quote it without the rest.
  const passwords = settings.BRIDGE_JOURNAL_URL
    ? urlSecrets(settings.BRIDGE_JOURNAL_URL).filter((v) => v.length >= 4)
    : [];
  return [...values, ...passwords];
}
