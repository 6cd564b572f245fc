import { ALERT_TEXT_VARIABLES, CHANNEL_VARIABLES } from '../pipeline/template';

/**
 * What each setting means, as the settings schema attaches it to its key (`.describe`) and the
 * shipped settings file prints it above the key. Kept apart from the schema so the schema stays
 * readable; a line break (\n) starts a new comment line, the rest is wrapped when printed.
 * Each text says what the code does with the setting: change the two together.
 */

const vars = (names: readonly string[]) => names.map((n) => `\${${n}}`).join(' ');

export const SETTING_DESCRIPTIONS = {
  // Wildix keys
  VEESION_ALERT_ORIGIN:
    "Caller id of the alert call, and the dialplan number in BRIDGE_AMI_MODE=dialplan; the bridge's own leg in a room is told from the staff by it. Letters, digits, _ + . - (at most 40).",
  VEESION_ALERT_CHANNEL: `The channel that receives the alert call. May use ${vars(CHANNEL_VARIABLES)}.`,

  // Veesion klaxon API
  VEESION_API_URL: 'The Veesion klaxon API: sign-in and the hooks of the stores.',
  VEESION_USERNAME:
    "The klaxon account used to register this daemon's hook for every store (optional, but then hooks must be registered by hand). Goes with VEESION_PASSWORD.",
  VEESION_PASSWORD:
    "The klaxon account's password. Secret: printed as HIDDEN by check-config and scrubbed from every log line.",
  VEESION_HOOK_URL:
    "Public URL of this daemon's receiver as Veesion must call it (the token is appended), e.g. https://pbx.example.com/api/v1/veesion. Hooks are reconciled only with it and the klaxon account set.",
  VEESION_HOOK_TOKEN:
    'Required secret (16+ characters): Veesion sends it as ?token=, ingress demands it. E.g. `openssl rand -hex 24`.',
  BRIDGE_HOOKS_CRON: 'When to reconcile the hooks with x-hoppers.json (also done at start and on reload).',
  VEESION_ALERT_TEXT: `What is spoken. Variables: ${vars(ALERT_TEXT_VARIABLES)}`,
  VEESION_ALERT_TEXT_MANY:
    "What is spoken once for the alerts of one store and camera that came within BRIDGE_STORM_WINDOW_S: ${count} is how many, plus the alert's variables.",
  BRIDGE_STORM_WINDOW_S:
    "Storm control: at most one announcement per store and camera per window of this many seconds (this is also the camera's cooldown); alerts in between are announced together, once, with VEESION_ALERT_TEXT_MANY. Each alert still gets its own chat post. 0 turns merging off.",
  VEESION_ALERT_TEXT_SUMMARY:
    'Several cameras of one conference due at once are said in one sentence, not one each (a storm across cameras): ${count} is how many cameras, ${cameras} lists them ("3, 7 and 9").',
  BRIDGE_CONFERENCE_QUEUE_MAX:
    'Announcements waiting for one conference; beyond it the oldest waiting one is dropped (an announcement is also dropped, not played, once BRIDGE_ANNOUNCE_EXPIRE_S have passed).',

  // Incidents
  BRIDGE_REPEAT_S: 'Until it is claimed, an incident is announced again every this many seconds.',
  BRIDGE_REPEAT_MAX:
    'How many times an unclaimed incident is announced in all (the first included); then it is "unclaimed". No repeat is attempted later than BRIDGE_ANNOUNCE_EXPIRE_S after the incident\'s last alert: one none of whose announcements could be placed by then is "unheard" (alert.unheard, one chat line, escalation).',
  VEESION_CLAIMED_TEXT:
    "Said once in the conference when someone takes the incident: ${by} is who, plus the alert's variables.",
  BRIDGE_ESCALATE_AFTER_S:
    'An incident still open this long after its alert, or whose room is empty when its first announcement is due, is escalated: the store\'s "escalation" channels (x-hoppers.json) are called one after the other, until one answers.',
  BRIDGE_NO_OUTCOME_AFTER_H:
    'A claimed incident nobody resolved within this many hours of its claim is closed by the housekeeping job with the outcome "no-outcome"; resolved and unclaimed incidents are deleted after BRIDGE_JOURNAL_RETENTION_DAYS like the alerts.',
  BRIDGE_ESCALATION_RING_S: 'How long each escalation channel rings before the next one is called.',

  // Retries
  BRIDGE_ANNOUNCE_RETRY_S: "The announcement call's attempts.",
  BRIDGE_ANNOUNCE_EXPIRE_S:
    'An announcement is given up (expired) once this many seconds have passed since the alert arrived.',
  BRIDGE_CHAT_RETRY_S: "The chat post's attempts: a chat record stays useful for days.",

  // Receiver
  BRIDGE_HTTP_HOST:
    'Veesion, on the internet, must reach the alert path: either bind here to a public address with the built-in TLS below, or keep 127.0.0.1 behind a reverse proxy that exposes only the alert path (deploy/nginx/veesion-bridge.conf). docs/install.md: "Reaching the receiver".',
  BRIDGE_HTTP_PORT: "The receiver's TCP port.",
  BRIDGE_TLS_CERT_FILE:
    'Built-in TLS, both or neither with BRIDGE_TLS_KEY_FILE: the PEM certificate (leaf first, then intermediates), readable by the service user, e.g. /etc/veesion-bridge/tls/fullchain.pem. The listener then speaks HTTPS only; a renewed certificate is picked up by `systemctl reload veesion-bridge` (SIGHUP).',
  BRIDGE_TLS_KEY_FILE:
    "The certificate's unencrypted PEM key, readable by the service user, e.g. /etc/veesion-bridge/tls/privkey.pem.",
  BRIDGE_ADMIN_TOKEN:
    'Opens /metrics, /readyz and the admin routes to other hosts (Authorization: Bearer <token>); unset, they answer on this host only (127.0.0.1/::1, not through a proxy). A secret of at least 16 printable characters without spaces, not the hook token, e.g. `openssl rand -hex 24`.',
  BRIDGE_CONSOLE_STREAMS:
    "How many consoles may watch this daemon's live updates at once (one per open page); one more is refused with 503 and its page retries. Each holds a connection and a little memory.",
  BRIDGE_TRUSTED_PROXIES:
    "The reverse proxies in front of the daemon whose X-Forwarded-For is believed: addresses or CIDR ranges, comma separated, or `loopback`. A proxy on this host: 127.0.0.1 (then any local process can name the address its failures count under). Never a range that holds clients too: they could name any address. Failed sign-ins are then limited per person's address instead of the proxy's (else one person's typos lock out everyone behind it). Empty: nobody's X-Forwarded-For is believed.",
  BRIDGE_OIDC_ISSUER:
    "Single sign-on for the console: the OpenID Connect provider's issuer URL (https; its /.well-known/openid-configuration is read at the first sign-in). Set with BRIDGE_OIDC_CLIENT_ID and BRIDGE_OIDC_CLIENT_SECRET; register https://<bridge>/console/oidc/callback as the client's redirect URI. People then sign in with the provider (authorization code with PKCE) and get the role and stores its claims give.",
  BRIDGE_OIDC_CLIENT_ID: "The console's client id at the OpenID provider.",
  BRIDGE_OIDC_CLIENT_SECRET: "The console's client secret at the OpenID provider. A secret.",
  BRIDGE_OIDC_REDIRECT_URI:
    "The redirect URI registered at the provider, as browsers reach the bridge, e.g. https://bridge.example.com/console/oidc/callback. Set it behind a reverse proxy: unset, it is made from each request's scheme and Host (believed from X-Forwarded-Proto only from BRIDGE_TRUSTED_PROXIES).",
  BRIDGE_OIDC_ROLE_CLAIM:
    'The ID token or userinfo claim that gives the role: admin, manager or store. A sign-in without it (or with another value) is refused.',
  BRIDGE_OIDC_STORES_CLAIM:
    'The claim that lists the stores (store_veesion_ids, a list or a comma-separated string); absent or empty: every store (not allowed for the store role).',
  BRIDGE_DATA_DIR: 'Journal (journal.sqlite) and audio cache (sounds/).',
  BRIDGE_JOURNAL_URL:
    'Several daemons behind one hook URL share a PostgreSQL journal, e.g. postgres://veesion:password@db.example:5432/veesion: the alerts and their steps, incidents (repeats, claims, escalation), integrations and their events, chat follow-ups, silences, and what the admin API and the console read and change. Copy the SQLite one first: veesion-bridge journal migrate --to postgres://... Unset: the SQLite journal in BRIDGE_DATA_DIR. Each daemon keeps its own BRIDGE_DATA_DIR (audio cache). A secret (it may hold a password).',
  BRIDGE_HOUSEKEEPING_CRON:
    'When the housekeeping job runs (cron): it drops finished alerts older than the retention (never a pending one), finished incidents and settled events and chat records of the same age, cached announcements not played for BRIDGE_AUDIO_CACHE_DAYS, and audit entries older than BRIDGE_AUDIT_RETENTION_DAYS.',
  BRIDGE_JOURNAL_RETENTION_DAYS: 'How long finished alerts, incidents and their records are kept.',
  BRIDGE_AUDIT_RETENTION_DAYS:
    'How long the audit trail (who changed what, from where: `veesion-bridge audit`) is kept. It is personal data: the housekeeping job deletes older entries.',
  BRIDGE_AUDIO_CACHE_DAYS: 'A cached announcement not played for this many days is deleted.',
  BRIDGE_LOG_LEVEL: 'error, warn, info or debug.',

  // PBX
  BRIDGE_AMI_HOST:
    'The Asterisk Manager Interface (AMI): the bridge runs on the PBX host, and the shipped AMI user (deploy/asterisk/manager-veesion.conf) permits loopback only.',
  BRIDGE_AMI_PORT: "The AMI's TCP port (manager.conf).",
  BRIDGE_AMI_USERNAME:
    'The AMI user (its section in manager.conf). It needs read = call,user,reporting and write = originate,reporting, nothing more: call for OriginateResponse, Hangup and ConfbridgeJoin/Leave, user for the key presses (the VeesionClaim UserEvent), reporting for ConfbridgeList (who is in a room), originate for the calls. Never system, command, config or all (see docs/asterisk.md).',
  BRIDGE_AMI_SECRET: 'Required secret for the ami originator.',
  BRIDGE_AMI_MODE:
    "application: Originate straight into Playback of the rendered audio;\ndialplan: Originate into the PBX's own VEESION_ALERT_ORIGIN number with the alert variables.",
  BRIDGE_AMI_PING_INTERVAL_MS:
    'How often the AMI connection is checked with a Ping; one left unanswered closes it, and the bridge connects again.',
  BRIDGE_ORIGINATE_TIMEOUT_MS:
    "How long to wait for a placed call's outcome: OriginateResponse once the call is queued (ami), the call file's result (callfile), the PBX API's answer (wildix-api, smart-notifications).",
  BRIDGE_ORIGINATOR:
    "How the alert call reaches the PBX: ami, callfile or wildix-api, or a comma list tried in order (e.g. ami,callfile). The next one is used when one cannot reach the PBX (AMI down, login refused, no OriginateResponse by BRIDGE_ORIGINATE_TIMEOUT_MS); a call the PBX itself refused is retried on the step's schedule, not placed elsewhere. smart-notifications (first, e.g. smart-notifications,ami) sends each store's alerts to its x-hoppers broadcast as a Smart Notification instead of a call: the headsets accept with a double press of push-to-talk (a store's \"delivery\" in x-hoppers.json overrides the default per store).",
  BRIDGE_SPOOL_DIR:
    "callfile: Asterisk's spool; call files are written in tmp/, renamed into outgoing/, and their result read from outgoing_done/. The bridge's user must be able to write there.",
  BRIDGE_WILDIX_API_URL: "wildix-api: the PBX's local REST API (POST /api/v1/originate).",
  BRIDGE_WILDIX_API_TOKEN: "The PBX API's bearer token (secret; required for wildix-api and for smart-notifications).",
  BRIDGE_SMART_NOTIFICATIONS_PATH:
    "smart-notifications: the path of addSmartNotification on the same API, as your PBX's own API reference (https://<pbx>/api/v1/doc/, Smart Notifications) gives it; required with that delivery. BRIDGE_WILDIX_API_TOKEN is then a company API key (wsk-v1-...).",
  BRIDGE_XHOP_STATE_COMMAND:
    'Off by default. On the PBX host, the command that prints x-hoppers\' notification state (undocumented; e.g. data_engine_cli xhop::state), a program and its arguments run without a shell, once a second while notifications wait: an accept it reports claims the incident "via headset".',

  // Speech
  BRIDGE_TTS_ENGINE: 'espeak-ng (default on Linux; say elsewhere), festival (text2wave), or say (macOS/Windows only).',
  BRIDGE_TTS_VOICE: 'Engine voice name, e.g. en-us for espeak-ng or kal_diphone for festival; empty: default.',
  BRIDGE_TTS_TIMEOUT_MS:
    "How long the speech engine may take for one text, and then its conversion to the announcement's format.",
  BRIDGE_CHIME: 'Optional file in sounds/ played before the speech, e.g. chime.wav.',
  BRIDGE_AUDIO_RATE:
    'Sample rate of the announcements: 8000 (default) or 16000 for wideband (16 kHz) conferences. Speech is resampled and brought to -18 dBFS RMS (peaks never above -1 dBFS) in-process.',

  // x-bees chat
  BRIDGE_XBEES_API_URL: 'The x-bees API the alerts are posted to.',
  BRIDGE_XBEES_TOKEN:
    "Required secret: the bearer token. Recommended: an x-bees bot's token (wsk-v1-...), which posts as the bot. Any other token is taken for a PBX token: it may expire (check-config warns), and it needs BRIDGE_XBEES_USER_ID below.",
  BRIDGE_XBEES_USER_ID:
    "With a PBX token only: the x-bees user the posts act for (not a PBX extension). In x-bees, open the browser's developer console and run wx.stream._user.id; that user must be a member of every store's channel. A store's \"xbees_user_id\" in x-hoppers.json overrides it. Unused with a bot token; not a secret.",
  BRIDGE_CHAT_POSTS_PER_S:
    'Chat posts a second at most: during a burst of alerts, posts drain at this pace (the announcements and the receiver are not slowed).',
  BRIDGE_VIDEO_HOSTS:
    'Hosts alert videos may be fetched from (comma list; *.domain matches its subdomains). Only over HTTPS, never from a loopback or private address.',
  BRIDGE_VIDEO_MAX_BYTES: 'The largest alert video fetched to attach to the post (bytes).',
  BRIDGE_VIDEO_TIMEOUT_MS:
    'How long fetching one alert video may take, redirects included. A video not fetched (too large, too slow, a host not listed) is posted as its link only.',
  BRIDGE_STILL_TIMEOUT_MS:
    'A still image (JPEG, at most 200 KB) from the middle of the clip is attached before the video; ffmpeg gets this long for it, else the message goes without it.',

  // Wildix events in
  BRIDGE_WILDIX_WEBHOOK_SECRET:
    'The secret of the WMS "Webhook integration" (Settings > Integrations): every event is signed with it (x-signature). Unset: the route answers 404. Pick the chat, call and conference event groups; expose the path as you expose the alert path (deploy/nginx).',
  BRIDGE_CLAIM_WORDS:
    "Replies in a store's conversation that claim its oldest open alert, comma-separated, e.g. ok,on it,mine,je m'en occupe,ci penso io. Unset: ok, on it, mine... and their French and Italian forms.",

  // Outbound integrations
  BRIDGE_INTEGRATION_RETRY_S:
    "Seconds before each delivery attempt of an event (0, 1 min, 10 min, 1 h, 24 h); a receiver's Retry-After can make a wait longer, never shorter.",
  BRIDGE_INTEGRATION_TIMEOUT_MS: 'How long one delivery may take; only a 2xx answer within it counts as delivered.',
  BRIDGE_SQS_REGION: 'SQS integrations: the region. Unset: the one in an AWS queue URL, else us-east-1.',
  BRIDGE_SQS_ENDPOINT:
    "SQS integrations: the endpoint. Unset: AWS for AWS queue URLs, else the queue URL's own host (e.g. ElasticMQ).",
  BRIDGE_SQS_ACCESS_KEY_ID:
    "SQS integrations: a static access key id, with BRIDGE_SQS_SECRET_ACCESS_KEY (both or neither; neither: the AWS SDK's default chain, e.g. AWS_* variables or an instance role).",
  BRIDGE_SQS_SECRET_ACCESS_KEY: "The static key's secret (a secret).",
  BRIDGE_SMTP_HOST:
    'Operator notices by e-mail: an event given up after its last attempt (at most one e-mail an hour per integration), an integration disabled by a 410. Without them, only logged. The mail server; needs BRIDGE_OPERATOR_EMAIL.',
  BRIDGE_SMTP_PORT: "The mail server's port.",
  BRIDGE_SMTP_SECURITY: 'starttls (required upgrade, port 587), tls (port 465) or none (a trusted local relay).',
  BRIDGE_SMTP_USERNAME: 'The mail server login, with BRIDGE_SMTP_PASSWORD (both or neither).',
  BRIDGE_SMTP_PASSWORD: 'The mail server password (a secret).',
  BRIDGE_SMTP_FROM:
    "The notices' sender address. One written here needs a domain with a dot (e.g. veesion-bridge@example.com); the default, used when the key is unset, has none.",
  BRIDGE_OPERATOR_EMAIL: 'Who gets the notices (comma list of addresses); needs BRIDGE_SMTP_HOST.',
} as const;
