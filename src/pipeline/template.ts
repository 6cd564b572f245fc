/**
 * `${name}` templates (VEESION_ALERT_TEXT, VEESION_ALERT_CHANNEL). Values are substituted as
 * plain text, once: a value that itself contains `${...}` is not expanded again, and nothing
 * is ever evaluated.
 */
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((m) => m[1] as string);
}

export function renderTemplate(template: string, vars: Readonly<Record<string, string | undefined>>): string {
  return template.replace(VARIABLE, (_whole, name: string) => vars[name] ?? '');
}

/** Variables the alert text may use plus the store fields. */
export const ALERT_TEXT_VARIABLES = [
  'storeId',
  'startDate',
  'endDate',
  'cameraIp',
  'cameraId',
  'groupId',
  'videoUrl',
  'alertType',
  'name',
  'location',
  'store_veesion_id',
  'audio_conf_id',
] as const;

/** The channel may only use store fields: alert values never reach an AMI header unchecked. */
export const CHANNEL_VARIABLES = ['store_veesion_id', 'audio_conf_id', 'xbees_channel_id'] as const;
