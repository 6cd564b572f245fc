import type { OriginateRequest } from '../pipeline/ports';
import { renderTemplate } from '../pipeline/template';
import { MAX_LINE_BYTES } from './ami-codec';

/** How every originator places the alert call (settings shared by ami, callfile, wildix-api). */
export interface CallOptions {
  /** VEESION_ALERT_CHANNEL, e.g. `Local/${audio_conf_id}@xhoppers-conf`. */
  channelTemplate: string;
  /** VEESION_ALERT_ORIGIN: caller id, and the dialplan number in dialplan mode. */
  origin: string;
  mode: 'application' | 'dialplan';
  /** How the variables reach Asterisk (AMI's by default). */
  variableLine?: VariableLine;
}

/** How a channel variable travels to Asterisk, and the longest line Asterisk reads whole. */
export interface VariableLine {
  prefix: string;
  newline: string;
  maxBytes: number;
}
/** An Originate's `Variable:` header: the manager refuses the whole action past 1024 bytes. */
export const AMI_VARIABLE: VariableLine = { prefix: 'Variable: ', newline: '\r\n', maxBytes: MAX_LINE_BYTES };
/**
 * A call file's `Setvar:` line: Asterisk's spooler reads lines with fgets into 256 bytes
 * (pbx_spool.c), so a longer one is cut and its rest read as a line of its own.
 */
export const CALL_FILE_VARIABLE: VariableLine = { prefix: 'Setvar: ', newline: '\n', maxBytes: 255 };

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
  const line = opts.variableLine ?? AMI_VARIABLE;
  const target: CallSpec['target'] =
    opts.mode === 'application'
      ? { application: 'Playback', data: req.speech.playbackPath }
      : { context: origin, exten: origin, priority: '1' };
  const alertVariables =
    opts.mode === 'dialplan'
      ? Object.entries(req.variables).map(([k, v]) => [k, whole(line, k, dialplanValue(v))] as [string, string])
      : [];
  return {
    channel,
    callerId: `"${origin}" <${origin}>`,
    target,
    variables: [
      ['ALERT_ID', dialplanValue(req.alertId)],
      // A merged or summary call: which alerts it said, for the PBX's logs and for tracing.
      // As many as one line holds (a storm merges hundreds); ALERT_COUNT says how many in all.
      ...(req.alertIds && req.alertIds.length > 1
        ? ([
            ['ALERT_IDS', wholeIds(line, req.alertIds.map(dialplanValue))],
            ['ALERT_COUNT', String(req.alertIds.length)],
          ] as [string, string][])
        : []),
      ['ALERT_AUDIO', req.speech.playbackPath],
      ...alertVariables,
    ],
  };
}

/** What a variable's line can hold and still be read whole by Asterisk. */
function room(line: VariableLine, name: string): number {
  return line.maxBytes - Buffer.byteLength(`${line.prefix}${name}=${line.newline}`);
}

/**
 * The value if its line fits, else empty: Asterisk refuses a whole Originate with one line too
 * long, and half a URL or a cut name would mislead more than none (the journal has the alert).
 */
function whole(line: VariableLine, name: string, value: string): string {
  return Buffer.byteLength(value) <= room(line, name) ? value : '';
}

/** The ids, space-separated, as many whole ones as the ALERT_IDS line holds. */
function wholeIds(line: VariableLine, ids: readonly string[]): string {
  let out = '';
  for (const id of ids) {
    const next = out ? `${out} ${id}` : id;
    if (Buffer.byteLength(next) > room(line, 'ALERT_IDS')) break;
    out = next;
  }
  return out;
}

/** Channel variables are split on `,` by some Asterisk versions: keep values to one token. */
export function dialplanValue(v: string): string {
  return v.replace(/[\r\n\0,;|]/g, ' ');
}
