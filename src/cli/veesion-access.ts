import type { Settings } from '../config/settings-schema';
import { KlaxonClient } from '../veesion/klaxon-client';
import { CliExit, EXIT } from './exit-codes';

/** A klaxon client from the config, or undefined when no Veesion account is configured. */
export function klaxonFrom(s: Settings): KlaxonClient | undefined {
  if (!s.VEESION_USERNAME || !s.VEESION_PASSWORD) return undefined;
  return new KlaxonClient({
    baseUrl: s.VEESION_API_URL,
    username: s.VEESION_USERNAME,
    password: s.VEESION_PASSWORD,
    timeoutMs: 10_000,
  });
}

/** Like klaxonFrom, for commands that cannot work without an account (exit 78). */
export function requireKlaxon(s: Settings, command: string): KlaxonClient {
  const client = klaxonFrom(s);
  if (!client)
    throw new CliExit(EXIT.config, `${command} needs VEESION_USERNAME and VEESION_PASSWORD in env.custom.ini`);
  return client;
}

/** The hook URL as shown to an operator: the token is a secret. */
export function shownHookUrl(hookUrl: string): string {
  const url = new URL(hookUrl);
  url.searchParams.set('token', 'HIDDEN');
  return url.toString();
}
