import { readFileSync } from 'node:fs';
import type { AmiMessage } from '../pbx/ami-codec';
import { readWavInfo } from '../tts/wav';
import type { RecordedOriginate } from './ami-sim-types';

// How the AMI simulator reads an action's fields, as Asterisk does.

/** An Originate action as the simulator records it (`id`: its ActionID). */
export function recordOriginate(m: AmiMessage, id: string): RecordedOriginate {
  return {
    actionId: id,
    channel: m.get('Channel') ?? '',
    application: m.get('Application'),
    data: m.get('Data'),
    context: m.get('Context'),
    exten: m.get('Exten'),
    callerId: m.get('CallerID'),
    variables: m.getAll('Variable'),
    fields: m.fields,
    at: Date.now(),
  };
}

/** Login `Events`: absent or on/yes/true = every class, off/no/false = none, else a comma list. */
export function eventMask(events: string | undefined): 'all' | Set<string> {
  const v = (events ?? 'on').trim().toLowerCase();
  if (['on', 'yes', 'true', 'y', 't', '1'].includes(v)) return 'all';
  if (['off', 'no', 'false', 'n', 'f', '0'].includes(v)) return new Set();
  return new Set(v.split(',').map((c) => c.trim()));
}

/** How long an unanswered call rings: the Originate's Timeout (ms; Asterisk's default 30 s), capped. */
export function ringMs(timeout: string | undefined, cap: number | undefined): number {
  const asked = timeout !== undefined && /^[0-9]+$/.test(timeout) ? Number(timeout) : 30_000;
  return Math.min(asked, cap ?? asked);
}

/** `"Anna" <201>` -> Anna, 201; a bare `201` is both. */
export function parseCallerId(callerId: string): { num: string; name: string } {
  const num = /<([^>]*)>/.exec(callerId)?.[1] ?? callerId.trim();
  const name = /^\s*"([^"]*)"/.exec(callerId)?.[1] ?? num;
  return { num: num || '<unknown>', name: name || '<unknown>' };
}

/**
 * How long Playback of the call's file runs: its WAV length, or 1 ms if it cannot be read (a
 * missing file ends the call at once, as on Asterisk); `callLengthMs` when it plays no file of ours.
 */
export function playbackMs(rec: RecordedOriginate, callLengthMs: number): number {
  const audio =
    rec.application === 'Playback'
      ? rec.data
      : rec.variables.find((v) => v.startsWith('ALERT_AUDIO='))?.slice('ALERT_AUDIO='.length);
  if (audio === undefined) return callLengthMs;
  try {
    return readWavInfo(readFileSync(`${audio}.wav`)).durationMs;
  } catch {
    return 1;
  }
}
