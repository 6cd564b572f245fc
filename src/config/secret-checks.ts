import { isIP } from 'node:net';
import type { ConfigIssue } from './errors';
import { SECRET_KEYS, type Settings } from './settings-schema';

/**
 * Values the files we ship carry where a secret goes (deploy/examples/env.custom.ini): a
 * configuration that kept one is not secret at all. A test keeps this list equal to the files.
 */
export const SHIPPED_SECRET_VALUES: readonly string[] = [
  'change-me',
  'change-me-to-a-long-random-string',
  'wsk-v1-change-me',
];

const PLACEHOLDER = /^change-me/i;

/**
 * Secrets nobody set (a sample's placeholder), and a hook URL whose token would cross the
 * network in clear text: Veesion calls VEESION_HOOK_URL with the token in it, so anything but
 * loopback must be https (behind a TLS proxy, the proxy's https address).
 */
export function checkSecrets(s: Partial<Settings>, issues: ConfigIssue[]): void {
  for (const key of SECRET_KEYS) {
    const value = s[key];
    if (typeof value !== 'string') continue;
    if (PLACEHOLDER.test(value) || SHIPPED_SECRET_VALUES.includes(value)) {
      issues.push({
        path: `env.custom.ini: ${key}`,
        message: 'still the placeholder of a sample file: set a secret of your own (e.g. openssl rand -hex 24)',
      });
    }
  }
  const hook = s.VEESION_HOOK_URL;
  if (hook === undefined) return;
  let url: URL;
  try {
    url = new URL(hook);
  } catch {
    return; // the schema says what is wrong with it
  }
  if (url.protocol === 'http:' && !loopback(url.hostname)) {
    issues.push({
      path: 'env.custom.ini: VEESION_HOOK_URL',
      message: `plain http to ${url.hostname}: the hook token travels in this URL, so Veesion must call it over https (behind a TLS proxy, give the proxy's https address); http is for loopback only`,
    });
  }
}

function loopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
