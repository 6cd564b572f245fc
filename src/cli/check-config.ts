import { redactSettings } from '../config/redact';
import { ConfigError, issueLines } from '../config/errors';
import { unspokenLanguages } from '../tts/language-check';
import { configExit, configFor, print, type GlobalOptions } from './context';
import { relabel } from '../config/load';

/**
 * Prints the effective config (secrets HIDDEN) and its warnings (exit 0), or every problem
 * with its key path (exit 78). Warnings come last, where a terminal leaves them in view.
 */
export function checkConfig(opts: GlobalOptions): void {
  const config = configFor(opts);
  // Valid as text, but said by nobody: a store's language that no installed engine speaks.
  const unspoken = unspokenLanguages(config.stores, config.settings);
  if (unspoken.length > 0) throw configExit(new ConfigError(relabel(unspoken, config.files), config.warnings), opts);
  const settings = redactSettings(config.settings);
  const stores = config.stores.map((s) => ({
    store_veesion_id: s.store_veesion_id,
    name: s.name,
    audio_conf_id: s.audio_conf_id,
    xbees_channel_id: s.xbees_channel_id,
    location: s.location,
    veesion_user_extension: s.veesion_user_extension,
    xbees_user_id: s.xbees_user_id,
    language: s.language,
  }));
  const { warnings } = config;
  const lines = [
    `configuration OK${warnings.length > 0 ? `, with ${warnings.length} warning(s) at the end` : ''} (${config.files.env}, ${config.files.stores})`,
    '',
    ...Object.entries(settings).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v ?? '')}`),
    '',
    `${stores.length} store(s):`,
    ...stores.map(
      (s) =>
        `  ${s.store_veesion_id} "${s.name}": conference ${s.audio_conf_id}, chat channel ${s.xbees_channel_id}${s.language ? `, language ${s.language}` : ''}`,
    ),
    ...(warnings.length > 0 ? ['', 'warnings:', issueLines(warnings)] : []),
  ];
  print(opts, lines.join('\n'), { ok: true, files: config.files, warnings, settings, stores });
}
