import type { OriginateRequest } from '../pipeline/ports';
import { renderTemplate } from '../pipeline/template';

/** How every originator places the alert call (settings shared by ami, callfile, wildix-api). */
export interface CallOptions {
  /** VEESION_ALERT_CHANNEL, e.g. `Local/${audio_conf_id}@xhoppers-conf`. */
  channelTemplate: string;
  /** VEESION_ALERT_ORIGIN: caller id, and the dialplan number in dialplan mode. */
  origin: string;
  mode: 'application' | 'dialplan';
}

/** How long Asterisk lets the alert channel ring before giving up. */
export const RING_TIMEOUT_MS = 30_000;

/** One alert call, independent of how it reaches Asterisk. */
export interface CallSpec {
  channel: string;
  callerId: string;
  target: { application: 'Playback'; data: string } | { context: string; exten: string; priority: '1' };
  /** Channel variables, values already made safe for one header or call-file line. */
  variables: [string, string][];
}

export function callSpec(req: OriginateRequest, opts: CallOptions): CallSpec {
  // Only store fields (validated config) reach the channel, never alert values.
  const { store_veesion_id, audio_conf_id, xbees_channel_id } = req.store;
  const channel = renderTemplate(opts.channelTemplate, { store_veesion_id, audio_conf_id, xbees_channel_id });
  const { origin } = opts;
  const target: CallSpec['target'] =
    opts.mode === 'application'
      ? { application: 'Playback', data: req.speech.playbackPath }
      : { context: origin, exten: origin, priority: '1' };
  const alertVariables =
    opts.mode === 'dialplan'
      ? Object.entries(req.variables).map(([k, v]) => [k, dialplanValue(v)] as [string, string])
      : [];
  return {
    channel,
    callerId: `"${origin}" <${origin}>`,
    target,
    variables: [
      ['ALERT_ID', dialplanValue(req.alertId)],
      // A merged or summary call: which alerts it said, for the PBX's logs and for tracing.
      ...(req.alertIds && req.alertIds.length > 1
        ? [['ALERT_IDS', dialplanValue(req.alertIds.join(' '))] as [string, string]]
        : []),
      ['ALERT_AUDIO', req.speech.playbackPath],
      ...alertVariables,
    ],
  };
}

/** Channel variables are split on `,` by some Asterisk versions: keep values to one token. */
export function dialplanValue(v: string): string {
  return v.replace(/[\r\n\0,;|]/g, ' ');
}
