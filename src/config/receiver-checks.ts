import type { ConfigIssue } from './errors';
import type { Settings } from './settings-schema';
import { readTlsFiles, TlsFilesError } from '../http/tls';

/**
 * The receiver's own settings checked together: TLS files both or neither, readable, parsed
 * and matching (so a bad file stops the start with its key named, not every handshake later),
 * and an admin token that is not the hook token (that one is handed to Veesion in the URL).
 */
export function checkReceiverSettings(s: Settings, issues: ConfigIssue[]): void {
  const at = (key: string) => `env.custom.ini: ${key}`;
  const cert = s.BRIDGE_TLS_CERT_FILE;
  const key = s.BRIDGE_TLS_KEY_FILE;
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'BRIDGE_TLS_CERT_FILE' : 'BRIDGE_TLS_KEY_FILE';
    issues.push({ path: at(missing), message: 'BRIDGE_TLS_CERT_FILE and BRIDGE_TLS_KEY_FILE go together' });
  } else if (cert !== undefined && key !== undefined) {
    try {
      readTlsFiles(cert, key);
    } catch (err) {
      if (!(err instanceof TlsFilesError)) throw err;
      issues.push({ path: at(err.key), message: err.message });
    }
  }
  const oidc = ['BRIDGE_OIDC_ISSUER', 'BRIDGE_OIDC_CLIENT_ID', 'BRIDGE_OIDC_CLIENT_SECRET'] as const;
  const set = oidc.filter((k) => s[k] !== undefined);
  if (set.length > 0 && set.length < oidc.length)
    for (const k of oidc.filter((k) => s[k] === undefined))
      issues.push({ path: at(k), message: `${oidc.join(', ')} go together (single sign-on)` });
  if (set.length === oidc.length && s.BRIDGE_ADMIN_TOKEN === undefined)
    issues.push({
      path: at('BRIDGE_ADMIN_TOKEN'),
      message: 'single sign-on needs the console on: set BRIDGE_ADMIN_TOKEN too (it is the break-glass sign-in)',
    });
  if (s.BRIDGE_ADMIN_TOKEN !== undefined && s.BRIDGE_ADMIN_TOKEN === s.VEESION_HOOK_TOKEN) {
    issues.push({
      path: at('BRIDGE_ADMIN_TOKEN'),
      message: 'must differ from VEESION_HOOK_TOKEN (that one is given to Veesion in the hook URL)',
    });
  }
}
