import { z } from 'zod';
import { DEFAULT_ENV_FILE, DEFAULT_STORES_FILE } from './load';
import { defaultTtsEngine, SECRET_KEYS, SETTING_KEYS, settingsSchema, type Settings } from './settings-schema';

/**
 * The shipped settings file (`.env.example`, installed as all-settings.ini) is written from the
 * schema: each key with the description it carries and the value it shows, in the sections
 * below. `npm run settings-file` writes it; a unit test fails when the committed file differs.
 */

type SettingKey = keyof Settings;

export interface SettingsSection {
  heading: string;
  /** What the section's keys have in common, printed once under the heading. */
  intro?: string;
  keys: readonly SettingKey[];
}

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
  {
    heading: 'Wildix keys (from the Wildix x-hoppers documentation)',
    keys: ['VEESION_ALERT_ORIGIN', 'VEESION_ALERT_CHANNEL'],
  },
  {
    heading: 'Veesion klaxon API',
    keys: [
      'VEESION_API_URL',
      'VEESION_USERNAME',
      'VEESION_PASSWORD',
      'VEESION_HOOK_URL',
      'VEESION_HOOK_TOKEN',
      'BRIDGE_HOOKS_CRON',
      'VEESION_ALERT_TEXT',
      'VEESION_ALERT_TEXT_MANY',
      'BRIDGE_STORM_WINDOW_S',
      'VEESION_ALERT_TEXT_SUMMARY',
      'BRIDGE_CONFERENCE_QUEUE_MAX',
    ],
  },
  {
    heading: 'Incidents (repeats, claims, escalation)',
    intro:
      'The alerts of one store and camera within BRIDGE_STORM_WINDOW_S are one incident, which a person claims (key 1 in the conference, a reply or button in the chat, `veesion-bridge claim`, the HTTP routes).',
    keys: [
      'BRIDGE_REPEAT_S',
      'BRIDGE_REPEAT_MAX',
      'VEESION_CLAIMED_TEXT',
      'BRIDGE_ESCALATE_AFTER_S',
      'BRIDGE_NO_OUTCOME_AFTER_H',
      'BRIDGE_ESCALATION_RING_S',
    ],
  },
  {
    heading: 'Retries',
    intro:
      'Seconds before each attempt (as many attempts as values). Only retryable failures (timeout, connection, auth, peer refusal) retry.',
    keys: ['BRIDGE_ANNOUNCE_RETRY_S', 'BRIDGE_ANNOUNCE_EXPIRE_S', 'BRIDGE_CHAT_RETRY_S'],
  },
  {
    heading: 'Receiver',
    keys: [
      'BRIDGE_HTTP_HOST',
      'BRIDGE_HTTP_PORT',
      'BRIDGE_TLS_CERT_FILE',
      'BRIDGE_TLS_KEY_FILE',
      'BRIDGE_ADMIN_TOKEN',
      'BRIDGE_CONSOLE_STREAMS',
      'BRIDGE_TRUSTED_PROXIES',
      'BRIDGE_OIDC_ISSUER',
      'BRIDGE_OIDC_CLIENT_ID',
      'BRIDGE_OIDC_CLIENT_SECRET',
      'BRIDGE_OIDC_REDIRECT_URI',
      'BRIDGE_OIDC_ROLE_CLAIM',
      'BRIDGE_OIDC_STORES_CLAIM',
      'BRIDGE_DATA_DIR',
      'BRIDGE_JOURNAL_URL',
      'BRIDGE_HOUSEKEEPING_CRON',
      'BRIDGE_JOURNAL_RETENTION_DAYS',
      'BRIDGE_AUDIT_RETENTION_DAYS',
      'BRIDGE_AUDIO_CACHE_DAYS',
      'BRIDGE_LOG_LEVEL',
    ],
  },
  {
    heading: 'PBX (Asterisk Manager Interface)',
    keys: [
      'BRIDGE_AMI_HOST',
      'BRIDGE_AMI_PORT',
      'BRIDGE_AMI_USERNAME',
      'BRIDGE_AMI_SECRET',
      'BRIDGE_AMI_MODE',
      'BRIDGE_AMI_PING_INTERVAL_MS',
      'BRIDGE_ORIGINATE_TIMEOUT_MS',
      'BRIDGE_ORIGINATOR',
      'BRIDGE_SPOOL_DIR',
      'BRIDGE_WILDIX_API_URL',
      'BRIDGE_WILDIX_API_TOKEN',
      'BRIDGE_SMART_NOTIFICATIONS_PATH',
      'BRIDGE_XHOP_STATE_COMMAND',
    ],
  },
  {
    heading: 'Speech',
    keys: ['BRIDGE_TTS_ENGINE', 'BRIDGE_TTS_VOICE', 'BRIDGE_TTS_TIMEOUT_MS', 'BRIDGE_CHIME', 'BRIDGE_AUDIO_RATE'],
  },
  {
    heading: 'x-bees chat',
    keys: [
      'BRIDGE_XBEES_API_URL',
      'BRIDGE_XBEES_TOKEN',
      'BRIDGE_XBEES_USER_ID',
      'BRIDGE_CHAT_POSTS_PER_S',
      'BRIDGE_VIDEO_HOSTS',
      'BRIDGE_VIDEO_MAX_BYTES',
      'BRIDGE_VIDEO_TIMEOUT_MS',
      'BRIDGE_STILL_TIMEOUT_MS',
    ],
  },
  {
    heading: 'Wildix events in (POST /api/v1/wildix/events)',
    keys: ['BRIDGE_WILDIX_WEBHOOK_SECRET', 'BRIDGE_CLAIM_WORDS'],
  },
  {
    heading: 'Outbound integrations (veesion-bridge integrations add|list|remove|test)',
    keys: [
      'BRIDGE_INTEGRATION_RETRY_S',
      'BRIDGE_INTEGRATION_TIMEOUT_MS',
      'BRIDGE_SQS_REGION',
      'BRIDGE_SQS_ENDPOINT',
      'BRIDGE_SQS_ACCESS_KEY_ID',
      'BRIDGE_SQS_SECRET_ACCESS_KEY',
      'BRIDGE_SMTP_HOST',
      'BRIDGE_SMTP_PORT',
      'BRIDGE_SMTP_SECURITY',
      'BRIDGE_SMTP_USERNAME',
      'BRIDGE_SMTP_PASSWORD',
      'BRIDGE_SMTP_FROM',
      'BRIDGE_OPERATOR_EMAIL',
    ],
  },
];

const HEADER = [
  'veesion-bridge settings. Put them in /rw2/etc/env.custom.ini (KEY=value lines); any of them can also be set as an environment variable of the same name, which wins over the file.',
  'Values containing ; or # must be quoted ("...") or ini reads them as comments.',
  'Copy only the lines you set: an empty value (KEY=) does not mean the default, most settings refuse it, and numbers take it for 0. The value shown is the default; left empty: no default, or a secret.',
  'Written by `npm run settings-file` from the settings schema (src/config/settings-descriptions.ts).',
];

/** Values the schema computes from the platform, shown as on Linux, where the daemon runs. */
const LINUX_DEFAULTS: Partial<Record<SettingKey, string>> = {
  BRIDGE_TTS_ENGINE: defaultTtsEngine('linux'),
};

const WIDTH = 96;

/**
 * Comment lines of at most WIDTH characters (a longer word keeps its own line, and a `code span`
 * is one word, so a command is never cut in two); \n breaks a line.
 */
export function commentLines(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '#';
    for (const word of paragraph.match(/(?:[^\s`]|`[^`]*`)+/g) ?? []) {
      if (line !== '#' && line.length + 1 + word.length > WIDTH) {
        out.push(line);
        line = '#';
      }
      line += ` ${word}`;
    }
    out.push(line);
  }
  return out;
}

/** The value written for a key: empty for a secret or a setting without a default. */
export function shownValue(key: SettingKey): string {
  if ((SECRET_KEYS as readonly string[]).includes(key)) return '';
  const linux = LINUX_DEFAULTS[key];
  if (linux !== undefined) return linux;
  const value = defaultOf(settingsSchema.shape[key]);
  if (value === undefined) return '';
  const text = Array.isArray(value) ? value.join(',') : String(value);
  // ini reads an unquoted ; or # as the start of a comment; a JSON string is read back exactly.
  return /[;#]/.test(text) ? JSON.stringify(text) : text;
}

/** The schema's default, before any transform (a default inside a pipe is the pipe's input's). */
function defaultOf(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodDefault) return schema.def.defaultValue;
  if (schema instanceof z.ZodPipe) return defaultOf(schema.in as z.ZodType);
  return undefined;
}

/** Every schema key in exactly one section, else the file would leave one out or say it twice. */
export function sectionProblems(sections: readonly SettingsSection[] = SETTINGS_SECTIONS): string[] {
  const listed = sections.flatMap((s) => s.keys);
  const twice = listed.filter((k, i) => listed.indexOf(k) !== i).map((k) => `${k} is listed twice`);
  const missing = SETTING_KEYS.filter((k) => !listed.includes(k)).map((k) => `${k} is in no section`);
  const undescribed = SETTING_KEYS.filter((k) => !settingsSchema.shape[k].description).map(
    (k) => `${k} has no description`,
  );
  return [...twice, ...missing, ...undescribed];
}

/** The text of `.env.example`. */
export function settingsFileText(): string {
  const problems = sectionProblems();
  if (problems.length > 0) throw new Error(`the settings sections do not match the schema: ${problems.join('; ')}`);
  const lines = HEADER.flatMap(commentLines);
  for (const section of SETTINGS_SECTIONS) {
    lines.push('', `# --- ${section.heading} ---`);
    if (section.intro) lines.push(...commentLines(section.intro));
    for (const key of section.keys) {
      lines.push(...commentLines(settingsSchema.shape[key].description ?? ''), `${key}=${shownValue(key)}`);
    }
  }
  lines.push(
    '',
    '# --- Paths of the two files (environment only) ---',
    ...commentLines('Read from the environment (or the --env-file and --stores-file options), never from the file.'),
    `# BRIDGE_ENV_FILE=${DEFAULT_ENV_FILE}`,
    `# BRIDGE_STORES_FILE=${DEFAULT_STORES_FILE}`,
  );
  return `${lines.join('\n')}\n`;
}
