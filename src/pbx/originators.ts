import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../config/settings-schema';
import type { CallOriginator } from '../pipeline/ports';
import type { ReadinessCheck } from '../http/app';
import type { AmiClient } from './ami-client';
import { AmiOriginator } from './ami-originator';
import { CallfileOriginator } from './callfile-originator';
import { WildixApiOriginator } from './wildix-api-originator';

export interface NamedOriginator {
  name: string;
  originator: CallOriginator;
  /** Cheap "can it be used now", for /readyz. */
  usable: () => boolean;
  /** Why it cannot, when it cannot. */
  why: () => string | undefined;
}

/** The conference originators of BRIDGE_ORIGINATOR, in order (ami, callfile, wildix-api; Smart Notifications apart). */
export function buildOriginators(s: Settings, ami: AmiClient): NamedOriginator[] {
  const call = { channelTemplate: s.VEESION_ALERT_CHANNEL, origin: s.VEESION_ALERT_ORIGIN, mode: s.BRIDGE_AMI_MODE };
  const timeout = { responseTimeoutMs: s.BRIDGE_ORIGINATE_TIMEOUT_MS };
  const outgoing = join(s.BRIDGE_SPOOL_DIR, 'outgoing');
  const build = {
    ami: () => ({
      originator: new AmiOriginator(ami, { ...call, ...timeout }),
      usable: () => ami.loggedIn,
      why: () => ami.notReadyReason,
    }),
    callfile: () => ({
      originator: new CallfileOriginator({ ...call, ...timeout, spoolDir: s.BRIDGE_SPOOL_DIR }),
      usable: () => existsSync(outgoing),
      why: () =>
        existsSync(outgoing)
          ? undefined
          : `the call spool ${outgoing} does not exist or cannot be seen (BRIDGE_SPOOL_DIR; the service's spool drop-in)`,
    }),
    'wildix-api': () => ({
      originator: new WildixApiOriginator({
        ...call,
        ...timeout,
        baseUrl: s.BRIDGE_WILDIX_API_URL,
        token: s.BRIDGE_WILDIX_API_TOKEN ?? '',
      }),
      usable: () => true,
      why: () => undefined,
    }),
  };
  return conferenceOriginators(s).map((name) => ({ name, ...build[name]() }));
}

/** BRIDGE_ORIGINATOR's ways of calling into a conference (Smart Notifications are not a call). */
export function conferenceOriginators(
  s: Settings,
): Exclude<Settings['BRIDGE_ORIGINATOR'][number], 'smart-notifications'>[] {
  return s.BRIDGE_ORIGINATOR.filter((n): n is Exclude<typeof n, 'smart-notifications'> => n !== 'smart-notifications');
}

/** One originator: its own check (`ami`: logged in). Several: `pbx`, ready while any is usable. */
export function pbxReadiness(originators: readonly NamedOriginator[]): ReadinessCheck {
  const [only] = originators;
  if (originators.length === 0) return { name: 'pbx', ok: () => true, reason: () => undefined }; // Smart Notifications only: no connection held
  if (originators.length === 1 && only) return { name: only.name, ok: only.usable, reason: only.why };
  return {
    name: 'pbx',
    ok: () => originators.some((o) => o.usable()),
    reason: () => `no originator usable: ${originators.map((o) => `${o.name}: ${o.why() ?? 'unknown'}`).join('; ')}`,
  };
}
