import { trustedProxiesProblem } from '../http/client-address';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import cron from 'node-cron';
import { DEFAULT_MANY_ALERTS_TEXT, DEFAULT_SUMMARY_TEXT } from '../pipeline/announcer';
import { DEFAULT_CLAIMED_TEXT } from '../pipeline/incident-loop';
import { XBEES_USER_ID, XBEES_USER_ID_HINT } from './xbees-auth';
import { SETTING_DESCRIPTIONS as about } from './settings-descriptions';

/**
 * The one schema for `env.custom.ini`. Every value arrives as a string
 * (ini file or environment); numbers are coerced here, so the TypeScript type below is the
 * single source of truth for what the daemon may read. Each key carries its description
 * (settings-descriptions.ts), from which the shipped settings file is written (settings-doc.ts).
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().min(1);
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const listOf = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0),
    )
    .pipe(z.array(item).min(1, 'must list at least one value'));

const absolutePath = z
  .string()
  .refine((p) => isAbsolute(p) && !/[\r\n\0]/.test(p), 'an absolute path, e.g. /etc/veesion-bridge/tls/cert.pem');

/** Seconds before each attempt of a step, e.g. `0,2,5,15`: as many attempts as values. */
const secondsList = listOf(z.string().regex(/^\d+(\.\d+)?$/, 'seconds, e.g. 0,2,5,15'))
  .transform((l) => l.map(Number))
  .refine((l) => l.length <= 50, 'at most 50 attempts');

export const ORIGINATORS = ['ami', 'callfile', 'wildix-api', 'smart-notifications'] as const;
export const TTS_ENGINES = ['espeak-ng', 'festival', 'say'] as const;
/** The engine used when none is set: espeak-ng on Linux, else `say` (macOS, Windows). */
export const defaultTtsEngine = (platform: NodeJS.Platform) => (platform === 'linux' ? 'espeak-ng' : 'say');

/** A claim's name in an ID token: one identifier, or a URL-like name as some providers namespace them. */
const claimName = z
  .string()
  .regex(/^[A-Za-z0-9_:/.-]{1,200}$/, 'a claim name: letters, digits, _ : / . - (e.g. veesion_role)');

/** Why an OpenID issuer URL is refused: plain http only on this host (a provider for tests or a tunnel). */
export function oidcIssuerProblem(url: string): string | undefined {
  const u = new URL(url);
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return undefined;
  return 'must be https (plain http only on this host)';
}

export const SECRET_KEYS = [
  'VEESION_PASSWORD',
  'VEESION_HOOK_TOKEN',
  'BRIDGE_AMI_SECRET',
  'BRIDGE_XBEES_TOKEN',
  'BRIDGE_WILDIX_API_TOKEN',
  'BRIDGE_SQS_SECRET_ACCESS_KEY',
  'BRIDGE_SMTP_PASSWORD',
  'BRIDGE_ADMIN_TOKEN',
  'BRIDGE_WILDIX_WEBHOOK_SECRET',
  'BRIDGE_JOURNAL_URL',
  'BRIDGE_OIDC_CLIENT_SECRET',
] as const;

export const settingsSchema = z.object({
  VEESION_ALERT_ORIGIN: z
    .string()
    .regex(/^[A-Za-z0-9_+.-]{1,40}$/, 'letters, digits, _ + . - only (it is a caller id and a dialplan number)')
    .default('veesion')
    .describe(about.VEESION_ALERT_ORIGIN),
  VEESION_ALERT_CHANNEL: z
    .string()
    .regex(/^[A-Za-z0-9_${}@/.;:-]+$/, 'an Asterisk channel such as Local/${audio_conf_id}@xhoppers-conf')
    .refine((s) => s.includes('/'), 'an Asterisk channel needs a technology prefix, e.g. Local/...')
    .default('Local/${audio_conf_id}@xhoppers-conf')
    .describe(about.VEESION_ALERT_CHANNEL),
  VEESION_API_URL: httpUrl.default('https://api.klaxon.veesion.io').describe(about.VEESION_API_URL),
  VEESION_USERNAME: z.string().min(1).optional().describe(about.VEESION_USERNAME),
  VEESION_PASSWORD: z.string().min(1).optional().describe(about.VEESION_PASSWORD),
  VEESION_HOOK_URL: httpUrl.optional().describe(about.VEESION_HOOK_URL),
  VEESION_HOOK_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (it authenticates every alert)')
    .describe(about.VEESION_HOOK_TOKEN),
  VEESION_ALERT_TEXT: z
    .string()
    .min(1)
    .max(500)
    .default('Attention! Theft detected in ${storeId} on ${cameraId}')
    .describe(about.VEESION_ALERT_TEXT),
  VEESION_ALERT_TEXT_MANY: z
    .string()
    .min(1)
    .max(500)
    .default(DEFAULT_MANY_ALERTS_TEXT)
    .describe(about.VEESION_ALERT_TEXT_MANY),
  VEESION_ALERT_TEXT_SUMMARY: z
    .string()
    .min(1)
    .max(500)
    .default(DEFAULT_SUMMARY_TEXT)
    .describe(about.VEESION_ALERT_TEXT_SUMMARY),
  BRIDGE_STORM_WINDOW_S: z.coerce.number().min(0).max(3600).default(20).describe(about.BRIDGE_STORM_WINDOW_S),
  BRIDGE_REPEAT_S: z.coerce
    .number()
    .min(3, 'at least 3 s (an announcement must be heard out first)')
    .max(600)
    .default(15)
    .describe(about.BRIDGE_REPEAT_S),
  BRIDGE_REPEAT_MAX: z.coerce.number().int().min(1).max(20).default(4).describe(about.BRIDGE_REPEAT_MAX),
  BRIDGE_NO_OUTCOME_AFTER_H: z.coerce
    .number()
    .min(1, 'at least 1 hour')
    .max(720)
    .default(12)
    .describe(about.BRIDGE_NO_OUTCOME_AFTER_H),
  BRIDGE_ESCALATE_AFTER_S: z.coerce.number().min(5).max(3600).default(45).describe(about.BRIDGE_ESCALATE_AFTER_S),
  BRIDGE_ESCALATION_RING_S: z.coerce.number().min(5).max(120).default(20).describe(about.BRIDGE_ESCALATION_RING_S),
  VEESION_CLAIMED_TEXT: z.string().min(1).max(500).default(DEFAULT_CLAIMED_TEXT).describe(about.VEESION_CLAIMED_TEXT),
  BRIDGE_CONFERENCE_QUEUE_MAX: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe(about.BRIDGE_CONFERENCE_QUEUE_MAX),
  BRIDGE_HOOKS_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'a cron expression, e.g. */15 * * * *')
    .default('*/15 * * * *')
    .describe(about.BRIDGE_HOOKS_CRON),
  BRIDGE_HOUSEKEEPING_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'a cron expression, e.g. 40 3 * * *')
    .default('40 3 * * *')
    .describe(about.BRIDGE_HOUSEKEEPING_CRON),
  BRIDGE_JOURNAL_RETENTION_DAYS: z.coerce
    .number()
    .min(1, 'at least 1 day')
    .max(3650)
    .default(30)
    .describe(about.BRIDGE_JOURNAL_RETENTION_DAYS),
  BRIDGE_AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .min(1, 'at least 1 day')
    .max(3650)
    .default(365)
    .describe(about.BRIDGE_AUDIT_RETENTION_DAYS),
  BRIDGE_AUDIO_CACHE_DAYS: z.coerce
    .number()
    .min(1, 'at least 1 day')
    .max(3650)
    .default(14)
    .describe(about.BRIDGE_AUDIO_CACHE_DAYS),
  BRIDGE_ANNOUNCE_RETRY_S: secondsList.default([0, 2, 5, 15, 30, 60]).describe(about.BRIDGE_ANNOUNCE_RETRY_S),
  BRIDGE_ANNOUNCE_EXPIRE_S: z.coerce.number().min(1).max(3600).default(120).describe(about.BRIDGE_ANNOUNCE_EXPIRE_S),
  BRIDGE_CHAT_RETRY_S: secondsList.default([0, 60, 600, 3600, 86400]).describe(about.BRIDGE_CHAT_RETRY_S),
  BRIDGE_HTTP_HOST: z.string().min(1).default('127.0.0.1').describe(about.BRIDGE_HTTP_HOST),
  BRIDGE_HTTP_PORT: port.default(8787).describe(about.BRIDGE_HTTP_PORT),
  BRIDGE_TLS_CERT_FILE: absolutePath.optional().describe(about.BRIDGE_TLS_CERT_FILE),
  BRIDGE_TLS_KEY_FILE: absolutePath.optional().describe(about.BRIDGE_TLS_KEY_FILE),
  BRIDGE_ADMIN_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (it opens /metrics, /readyz and the admin routes)')
    .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces (it travels as Authorization: Bearer)')
    .optional()
    .describe(about.BRIDGE_ADMIN_TOKEN),
  BRIDGE_CONSOLE_STREAMS: z.coerce.number().int().min(1).max(10_000).default(50).describe(about.BRIDGE_CONSOLE_STREAMS),
  BRIDGE_TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      const problem = trustedProxiesProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(about.BRIDGE_TRUSTED_PROXIES),
  BRIDGE_OIDC_ISSUER: z
    .string()
    .refine(
      (u) => URL.canParse(u) && oidcIssuerProblem(u) === undefined,
      'an https:// issuer URL, e.g. https://login.example.com/realms/stores',
    )
    .optional()
    .describe(about.BRIDGE_OIDC_ISSUER),
  BRIDGE_OIDC_CLIENT_ID: z.string().min(1).max(256).optional().describe(about.BRIDGE_OIDC_CLIENT_ID),
  BRIDGE_OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional().describe(about.BRIDGE_OIDC_CLIENT_SECRET),
  BRIDGE_OIDC_REDIRECT_URI: z
    .string()
    .refine(
      (u) => URL.canParse(u) && oidcIssuerProblem(u) === undefined && new URL(u).pathname === '/console/oidc/callback',
      'the address people reach the console at, ending in /console/oidc/callback, e.g. https://bridge.example.com/console/oidc/callback',
    )
    .optional()
    .describe(about.BRIDGE_OIDC_REDIRECT_URI),
  BRIDGE_OIDC_ROLE_CLAIM: claimName.default('veesion_role').describe(about.BRIDGE_OIDC_ROLE_CLAIM),
  BRIDGE_OIDC_STORES_CLAIM: claimName.default('veesion_stores').describe(about.BRIDGE_OIDC_STORES_CLAIM),
  BRIDGE_DATA_DIR: z.string().min(1).default('/var/lib/veesion-bridge').describe(about.BRIDGE_DATA_DIR),
  BRIDGE_JOURNAL_URL: z
    .string()
    .refine(
      (u) => /^postgres(ql)?:\/\/\S+$/.test(u) && URL.canParse(u),
      'a postgres://user:password@host:port/database URL (unset: the SQLite journal in BRIDGE_DATA_DIR)',
    )
    .optional()
    .describe(about.BRIDGE_JOURNAL_URL),
  BRIDGE_AMI_HOST: z.string().min(1).default('127.0.0.1').describe(about.BRIDGE_AMI_HOST),
  BRIDGE_AMI_PORT: port.default(5038).describe(about.BRIDGE_AMI_PORT),
  BRIDGE_AMI_USERNAME: z
    .string()
    .regex(/^[^\r\n]+$/, 'one line')
    .default('veesion-bridge')
    .describe(about.BRIDGE_AMI_USERNAME),
  BRIDGE_AMI_SECRET: z
    .string()
    .regex(/^[^\r\n]+$/, 'one line')
    .optional()
    .describe(about.BRIDGE_AMI_SECRET),
  BRIDGE_AMI_MODE: z.enum(['application', 'dialplan']).default('application').describe(about.BRIDGE_AMI_MODE),
  BRIDGE_AMI_PING_INTERVAL_MS: positiveMs.default(15000).describe(about.BRIDGE_AMI_PING_INTERVAL_MS),
  BRIDGE_ORIGINATE_TIMEOUT_MS: positiveMs.default(30000).describe(about.BRIDGE_ORIGINATE_TIMEOUT_MS),
  BRIDGE_ORIGINATOR: listOf(z.enum(ORIGINATORS))
    .refine((l) => new Set(l).size === l.length, 'lists an originator twice')
    .default(['ami'])
    .describe(about.BRIDGE_ORIGINATOR),
  BRIDGE_SPOOL_DIR: z
    .string()
    .regex(/^\/[^\r\n\0]*$/, 'an absolute path, e.g. /var/spool/asterisk')
    .default('/var/spool/asterisk')
    .describe(about.BRIDGE_SPOOL_DIR),
  BRIDGE_WILDIX_API_URL: httpUrl.default('http://127.0.0.1').describe(about.BRIDGE_WILDIX_API_URL),
  BRIDGE_WILDIX_API_TOKEN: z
    .string()
    .regex(/^[^\r\n]+$/, 'one line')
    .optional()
    .describe(about.BRIDGE_WILDIX_API_TOKEN),
  BRIDGE_SMART_NOTIFICATIONS_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9/_.:-]{1,200}$/, 'a path on the PBX API, e.g. /api/v1/...')
    .optional()
    .describe(about.BRIDGE_SMART_NOTIFICATIONS_PATH),
  BRIDGE_XHOP_STATE_COMMAND: z
    .string()
    .regex(/^[A-Za-z0-9_./:=@ -]{1,200}$/, 'a program and its arguments (letters, digits, _ . / : = @ -)')
    .optional()
    .describe(about.BRIDGE_XHOP_STATE_COMMAND),
  BRIDGE_TTS_ENGINE: z.enum(TTS_ENGINES).default(defaultTtsEngine(process.platform)).describe(about.BRIDGE_TTS_ENGINE),
  BRIDGE_TTS_VOICE: z
    .string()
    .regex(/^[A-Za-z0-9_+-]{0,40}$/, 'a voice name')
    .default('')
    .describe(about.BRIDGE_TTS_VOICE),
  BRIDGE_TTS_TIMEOUT_MS: positiveMs.default(10000).describe(about.BRIDGE_TTS_TIMEOUT_MS),
  BRIDGE_AUDIO_RATE: z
    .enum(['8000', '16000'], 'must be 8000 or 16000')
    .default('8000')
    .transform(Number)
    .describe(about.BRIDGE_AUDIO_RATE),
  BRIDGE_CHIME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+\.(wav|sln)$/, 'a file name in sounds/, e.g. chime.wav')
    .optional()
    .describe(about.BRIDGE_CHIME),
  BRIDGE_XBEES_API_URL: httpUrl.default('https://api.x-bees.com').describe(about.BRIDGE_XBEES_API_URL),
  BRIDGE_XBEES_TOKEN: z.string().min(1).optional().describe(about.BRIDGE_XBEES_TOKEN),
  BRIDGE_XBEES_USER_ID: z
    .string()
    .trim()
    .regex(XBEES_USER_ID, XBEES_USER_ID_HINT)
    .optional()
    .describe(about.BRIDGE_XBEES_USER_ID),
  BRIDGE_CHAT_POSTS_PER_S: z.coerce.number().min(0.1).max(1000).default(20).describe(about.BRIDGE_CHAT_POSTS_PER_S),
  BRIDGE_VIDEO_HOSTS: listOf(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, 'a host name, optionally starting with *.'))
    .default(['*.veesion.io'])
    .describe(about.BRIDGE_VIDEO_HOSTS),
  BRIDGE_VIDEO_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(50 * 1024 * 1024)
    .describe(about.BRIDGE_VIDEO_MAX_BYTES),
  BRIDGE_VIDEO_TIMEOUT_MS: positiveMs.default(20000).describe(about.BRIDGE_VIDEO_TIMEOUT_MS),
  BRIDGE_STILL_TIMEOUT_MS: positiveMs.max(60_000).default(5000).describe(about.BRIDGE_STILL_TIMEOUT_MS),
  BRIDGE_WILDIX_WEBHOOK_SECRET: z
    .string()
    .min(16, 'must be at least 16 characters (it authenticates every Wildix event)')
    .optional()
    .describe(about.BRIDGE_WILDIX_WEBHOOK_SECRET),
  BRIDGE_CLAIM_WORDS: listOf(z.string().min(1).max(60)).optional().describe(about.BRIDGE_CLAIM_WORDS),
  BRIDGE_INTEGRATION_RETRY_S: secondsList.default([0, 60, 600, 3600, 86400]).describe(about.BRIDGE_INTEGRATION_RETRY_S),
  BRIDGE_INTEGRATION_TIMEOUT_MS: positiveMs.max(60_000).default(5000).describe(about.BRIDGE_INTEGRATION_TIMEOUT_MS),
  BRIDGE_SQS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. eu-west-1')
    .optional()
    .describe(about.BRIDGE_SQS_REGION),
  BRIDGE_SQS_ENDPOINT: httpUrl.optional().describe(about.BRIDGE_SQS_ENDPOINT),
  BRIDGE_SQS_ACCESS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/, 'an AWS access key id, e.g. AKIA...')
    .optional()
    .describe(about.BRIDGE_SQS_ACCESS_KEY_ID),
  BRIDGE_SQS_SECRET_ACCESS_KEY: z.string().min(1).optional().describe(about.BRIDGE_SQS_SECRET_ACCESS_KEY),
  BRIDGE_SMTP_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'a host name or address')
    .optional()
    .describe(about.BRIDGE_SMTP_HOST),
  BRIDGE_SMTP_PORT: port.default(587).describe(about.BRIDGE_SMTP_PORT),
  BRIDGE_SMTP_SECURITY: z.enum(['starttls', 'tls', 'none']).default('starttls').describe(about.BRIDGE_SMTP_SECURITY),
  BRIDGE_SMTP_USERNAME: z
    .string()
    .regex(/^[^\r\n]+$/, 'one line')
    .optional()
    .describe(about.BRIDGE_SMTP_USERNAME),
  BRIDGE_SMTP_PASSWORD: z
    .string()
    .regex(/^[^\r\n]+$/, 'one line')
    .optional()
    .describe(about.BRIDGE_SMTP_PASSWORD),
  BRIDGE_SMTP_FROM: z.email('an e-mail address').default('veesion-bridge@localhost').describe(about.BRIDGE_SMTP_FROM),
  BRIDGE_OPERATOR_EMAIL: listOf(z.email('an e-mail address')).optional().describe(about.BRIDGE_OPERATOR_EMAIL),
  BRIDGE_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info').describe(about.BRIDGE_LOG_LEVEL),
});

export type Settings = z.infer<typeof settingsSchema>;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof Settings)[];
