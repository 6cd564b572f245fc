import { AMI_VARIABLE, CALL_FILE_VARIABLE, callSpec, type CallOptions } from '../../../src/pbx/call-spec';
import type { OriginateRequest } from '../../../src/pipeline/ports';

const store = { store_veesion_id: 's1', name: 'S1', audio_conf_id: '42', xbees_channel_id: 'c1' };
const request = (variables: Record<string, string>, alertIds?: string[]): OriginateRequest => ({
  alertId: 'a-1',
  ...(alertIds ? { alertIds } : {}),
  store,
  speech: { playbackPath: '/var/lib/veesion-bridge/sounds/abc', durationMs: 1500, cached: true },
  variables,
});
const opts = (variableLine = AMI_VARIABLE): CallOptions => ({
  channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
  origin: 'veesion',
  mode: 'dialplan',
  variableLine,
});
const value = (vars: [string, string][], name: string) => vars.find(([k]) => k === name)?.[1];

/**
 * The line limits of Asterisk's own source: the manager reads a line of at most 1024 bytes with
 * its CRLF and refuses the whole action past it (main/manager.c); the call-file spooler reads
 * lines with fgets into 256 bytes, so 255 with the newline (pbx_spool.c).
 */
describe('callSpec fits every variable in the line Asterisk reads', () => {
  it.each([
    ['AMI', AMI_VARIABLE, 'Variable: videoUrl=\r\n'.length, 1024],
    ['call file', CALL_FILE_VARIABLE, 'Setvar: videoUrl=\n'.length, 255],
  ])('%s: a value whose line is exactly the limit is sent, one byte more is sent empty', (_, line, frame, limit) => {
    const fits = 'v'.repeat(limit - frame);
    expect(value(callSpec(request({ videoUrl: fits }), opts(line)).variables, 'videoUrl')).toBe(fits);
    expect(value(callSpec(request({ videoUrl: `${fits}v` }), opts(line)).variables, 'videoUrl')).toBe('');
    // Bytes, not characters: 'é' is two bytes of UTF-8.
    const accents = 'é'.repeat(Math.floor((limit - frame) / 2) + 1);
    expect(value(callSpec(request({ videoUrl: accents }), opts(line)).variables, 'videoUrl')).toBe('');
  });

  it.each([
    ['AMI', AMI_VARIABLE, 'Variable: ALERT_IDS=\r\n'.length, 1024],
    ['call file', CALL_FILE_VARIABLE, 'Setvar: ALERT_IDS=\n'.length, 255],
  ])(
    '%s: ALERT_IDS names as many whole ids as the line holds, and ALERT_COUNT all of them',
    (_, line, frame, limit) => {
      const ids = Array.from({ length: 400 }, (_, i) => `alert-${String(i).padStart(4, '0')}`); // 10 bytes each
      const vars = callSpec(request({}, ids), opts(line)).variables;
      const named = value(vars, 'ALERT_IDS')?.split(' ') ?? [];
      // n ids and n-1 spaces: 11n - 1 bytes.
      expect(named).toEqual(ids.slice(0, Math.floor((limit - frame + 1) / 11)));
      expect(value(vars, 'ALERT_COUNT')).toBe('400');
    },
  );
});
