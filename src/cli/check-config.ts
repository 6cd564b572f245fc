import { redactSettings } from '../config/redact';
import { issueLines } from '../config/errors';
import { configFor, print, type GlobalOptions } from './context';

/**
 * Prints the effective config (secrets HIDDEN) and its warnings (exit 0), or every problem
 * with its key path (exit 78). Warnings come last, where a terminal leaves them in view.
 */
export function checkConfig(opts: GlobalOptions): void {
  const config = configFor(opts);
  const settings = redactSettings(config.settings);
  const stores = config.stores.map((s) => ({
    store_veesion_id: s.store_veesion_id,
    name: s.name,
    audio_conf_id: s.audio_conf_id,
    xbees_channel_id: s.xbees_channel_id,
    location: s.location,
    veesion_user_extension: s.veesion_user_extension,
  }));
  const { warnings } = config;
  const lines = [
    `configuration OK${warnings.length > 0 ? `, with ${warnings.length} warning(s) at the end` : ''} (${config.files.env}, ${config.files.stores})`,
    '',
    ...Object.entries(settings).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v ?? '')}`),
    '',
    `${stores.length} store(s):`,
    ...stores.map((s) => `  ${s.store_veesion_id} "${s.name}": conference ${s.audio_conf_id}, chat channel ${s.xbees_channel_id}`),
    ...(warnings.length > 0 ? ['', 'warnings:', issueLines(warnings)] : []),
  ];
  print(opts, lines.join('\n'), { ok: true, files: config.files, warnings, settings, stores });
}
