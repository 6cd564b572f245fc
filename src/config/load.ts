import { readFileSync } from 'node:fs';
import * as ini from 'ini';
import { ConfigError, type ConfigIssue } from './errors';
import { parseJson } from './json-text';
import { zodIssues } from './issue-text';
import { settingsWarnings } from './ini-warnings';
import { settingsSchema, SETTING_KEYS, type Settings } from './settings-schema';
import { storeSchema, storeList, type Store } from './store-schema';
import { templateVariables, ALERT_TEXT_VARIABLES, CHANNEL_VARIABLES } from '../pipeline/template';
import { checkReceiverSettings } from './receiver-checks';
import { checkSmartNotifications } from './smart-notification-checks';
import { checkXbeesIdentity } from './xbees-checks';
import { checkSecrets } from './secret-checks';

export const DEFAULT_ENV_FILE = '/rw2/etc/env.custom.ini';
export const DEFAULT_STORES_FILE = '/rw2/etc/pbx/x-hoppers.json';

export interface BridgeConfig {
  settings: Settings;
  stores: Store[];
  files: { env: string; stores: string };
  /** What does not stop the daemon but is probably a mistake (unknown keys, values cut short). */
  warnings: ConfigIssue[];
}

export interface LoadOptions {
  envFile?: string;
  storesFile?: string;
  /** The process environment; every known key here overrides the ini file. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export function configFiles(opts: LoadOptions): { env: string; stores: string } {
  const env = opts.env ?? process.env;
  return {
    env: opts.envFile ?? env.BRIDGE_ENV_FILE ?? DEFAULT_ENV_FILE,
    stores: opts.storesFile ?? env.BRIDGE_STORES_FILE ?? DEFAULT_STORES_FILE,
  };
}

/** Loads and validates both files; throws ConfigError listing every problem at once. */
export function loadConfig(opts: LoadOptions = {}): BridgeConfig {
  const env = opts.env ?? process.env;
  const files = configFiles(opts);
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  // A default path that is missing is most often a config kept elsewhere: say how to name it.
  const defaultHint = (named: string | undefined, flag: string, variable: string) =>
    named ? '' : `; it is the default path: name another file with ${flag} or ${variable}`;
  const hints = {
    env: defaultHint(opts.envFile ?? env.BRIDGE_ENV_FILE, '--env-file', 'BRIDGE_ENV_FILE'),
    stores: defaultHint(opts.storesFile ?? env.BRIDGE_STORES_FILE, '--stores-file', 'BRIDGE_STORES_FILE'),
  };
  const { settings, lenient } = loadSettings(files.env, hints.env, env, issues, warnings);
  const stores = loadStores(files.stores, hints.stores, issues);
  // Every problem in one run: the checks across settings and stores run on what could be read
  // even when some values are invalid (those keep the one message they already have).
  const across: ConfigIssue[] = [];
  crossCheck(lenient, opts.platform ?? process.platform, across);
  checkXbeesIdentity(lenient, stores, across, warnings);
  checkSmartNotifications(lenient, stores, across);
  checkSecrets(lenient, across);
  const named = new Set(issues.map((i) => i.path));
  issues.push(...across.filter((i) => !named.has(i.path)));
  if (issues.length > 0 || !settings) throw new ConfigError(relabel(issues, files), relabel(warnings, files));
  return { settings, stores, files, warnings: relabel(warnings, files) };
}

/**
 * The checks name the two files by their Wildix names; each message names the file as it was
 * given (a --env-file elsewhere, the package's /etc path), so it says which file to open.
 */
export function relabel(issues: ConfigIssue[], files: { env: string; stores: string }): ConfigIssue[] {
  const name = (path: string) =>
    path.replace(/^env\.custom\.ini(?=:|$)/, files.env).replace(/^x-hoppers\.json(?=:|$)/, files.stores);
  return issues.map((i) => ({ ...i, path: name(i.path) }));
}

function readText(file: string, label: string, hint: string, issues: ConfigIssue[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `${file} does not exist (ENOENT)${hint}`
        : code === 'EACCES'
          ? `cannot read ${file} (EACCES): check its owner and mode, the service user must be able to read it`
          : `cannot read ${file}: ${code ?? String(err)}`;
    issues.push({ path: label, message });
    return undefined;
  }
}

function loadSettings(
  file: string,
  hint: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): { settings: Settings | undefined; lenient: Settings } {
  const label = 'env.custom.ini';
  const text = readText(file, label, hint, issues);
  const raw: Record<string, string> = {};
  const keys: string[] = [];
  if (text !== undefined) {
    for (const [key, value] of Object.entries(ini.parse(text))) {
      if (typeof value === 'object' && value !== null) continue; // [sections] belong to other tools
      keys.push(key);
      // `KEY=` is a setting left out (as in the shipped settings file), not an empty value.
      if (String(value) === '') continue;
      raw[key] = String(value);
    }
  }
  warnings.push(...settingsWarnings(text, keys, env));
  for (const key of SETTING_KEYS) {
    const override = env[key];
    if (override !== undefined && override !== '') raw[key] = override;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (parsed.success) return { settings: parsed.data, lenient: parsed.data };
  issues.push(...zodIssues(parsed.error, label, raw));
  return { settings: undefined, lenient: lenientSettings(raw) };
}

/** Each setting on its own: its value when valid, else its default (the cross-checks' view of a file with errors). */
function lenientSettings(raw: Record<string, string>): Settings {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const field = settingsSchema.shape[key];
    const value = field.safeParse(raw[key]);
    const fallback = value.success ? value : field.safeParse(undefined);
    if (fallback.success) out[key] = fallback.data;
  }
  // Required settings that are missing stay undefined here; the checks read them as unset.
  return out as Settings;
}

function loadStores(file: string, hint: string, issues: ConfigIssue[]): Store[] {
  const label = 'x-hoppers.json';
  const text = readText(file, label, hint, issues);
  if (text === undefined) return [];
  const json = parseJson(text);
  if (!json.ok) {
    issues.push({ path: label, message: json.message });
    return [];
  }
  const doc = json.value;
  const list = storeList(doc);
  if (!list) {
    issues.push({ path: label, message: 'expected a store object, an array of stores, or {"stores": [...]}' });
    return [];
  }
  const stores: Store[] = [];
  const seen = new Set<string>();
  list.items.forEach((item, i) => {
    const at = list.prefix === '<store>' ? label : `${label}: ${list.prefix}[${i}]`;
    const parsed = storeSchema.safeParse(item);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, at, item));
      return;
    }
    if (seen.has(parsed.data.store_veesion_id)) {
      issues.push({ path: `${at}.store_veesion_id`, message: `duplicate store "${parsed.data.store_veesion_id}"` });
    }
    seen.add(parsed.data.store_veesion_id);
    stores.push(parsed.data);
  });
  if (list.items.length === 0) issues.push({ path: label, message: 'no stores configured' });
  return stores;
}

function crossCheck(s: Settings, platform: NodeJS.Platform, issues: ConfigIssue[]): void {
  const at = (key: string) => `env.custom.ini: ${key}`;
  if (s.BRIDGE_ORIGINATOR.includes('ami') && !s.BRIDGE_AMI_SECRET) {
    issues.push({ path: at('BRIDGE_AMI_SECRET'), message: 'required for the ami originator' });
  }
  if (s.BRIDGE_ORIGINATOR.includes('wildix-api') && !s.BRIDGE_WILDIX_API_TOKEN) {
    issues.push({ path: at('BRIDGE_WILDIX_API_TOKEN'), message: 'required for the wildix-api originator' });
  }
  if (s.BRIDGE_TTS_ENGINE === 'say' && platform !== 'darwin' && platform !== 'win32') {
    issues.push({
      path: at('BRIDGE_TTS_ENGINE'),
      message: '"say" cannot export audio on this platform; use espeak-ng or festival',
    });
  }
  if (!s.BRIDGE_XBEES_TOKEN) {
    issues.push({
      path: at('BRIDGE_XBEES_TOKEN'),
      message: "required: alerts are posted to the stores' x-bees channels",
    });
  }
  if ((s.VEESION_USERNAME === undefined) !== (s.VEESION_PASSWORD === undefined)) {
    issues.push({ path: at('VEESION_PASSWORD'), message: 'VEESION_USERNAME and VEESION_PASSWORD go together' });
  }
  if ((s.BRIDGE_SQS_ACCESS_KEY_ID === undefined) !== (s.BRIDGE_SQS_SECRET_ACCESS_KEY === undefined)) {
    issues.push({
      path: at('BRIDGE_SQS_SECRET_ACCESS_KEY'),
      message: 'BRIDGE_SQS_ACCESS_KEY_ID and BRIDGE_SQS_SECRET_ACCESS_KEY go together',
    });
  }
  if (s.BRIDGE_OPERATOR_EMAIL && !s.BRIDGE_SMTP_HOST) {
    issues.push({ path: at('BRIDGE_SMTP_HOST'), message: 'required to send notices to BRIDGE_OPERATOR_EMAIL' });
  }
  if (s.BRIDGE_SMTP_HOST && !s.BRIDGE_OPERATOR_EMAIL) {
    issues.push({
      path: at('BRIDGE_OPERATOR_EMAIL'),
      message: 'required with BRIDGE_SMTP_HOST: who receives the operator notices',
    });
  }
  if ((s.BRIDGE_SMTP_USERNAME === undefined) !== (s.BRIDGE_SMTP_PASSWORD === undefined)) {
    issues.push({
      path: at('BRIDGE_SMTP_PASSWORD'),
      message: 'BRIDGE_SMTP_USERNAME and BRIDGE_SMTP_PASSWORD go together',
    });
  }
  checkReceiverSettings(s, issues);
  unknownVariables(s.VEESION_ALERT_TEXT, ALERT_TEXT_VARIABLES, at('VEESION_ALERT_TEXT'), issues);
  unknownVariables(s.VEESION_ALERT_CHANNEL, CHANNEL_VARIABLES, at('VEESION_ALERT_CHANNEL'), issues);
  unknownVariables(
    s.VEESION_ALERT_TEXT_SUMMARY,
    [...ALERT_TEXT_VARIABLES, 'count', 'cameras'],
    at('VEESION_ALERT_TEXT_SUMMARY'),
    issues,
  );
  unknownVariables(s.VEESION_CLAIMED_TEXT, [...ALERT_TEXT_VARIABLES, 'by'], at('VEESION_CLAIMED_TEXT'), issues);
}

function unknownVariables(template: string, allowed: readonly string[], path: string, issues: ConfigIssue[]): void {
  for (const name of templateVariables(template)) {
    if (!allowed.includes(name)) {
      issues.push({ path, message: `unknown variable \${${name}} (allowed: ${allowed.join(', ')})` });
    }
  }
}
