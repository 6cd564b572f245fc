import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CallfileOriginator } from '../../../src/pbx/callfile-originator';
import { SpoolSimulator } from '../../../src/sim/spool-sim';
import type { OriginateRequest } from '../../../src/pipeline/ports';
import { tempDir } from '../../helpers/paths';

const request: OriginateRequest = {
  alertId: 'a-1/../x',
  store: { store_veesion_id: 's1', name: 'S1', audio_conf_id: '42', xbees_channel_id: 'c1' },
  speech: { playbackPath: '/var/lib/veesion-bridge/sounds/abc', durationMs: 1500, cached: true },
  variables: { cameraId: '3\nApplication: System', storeId: 's1' },
};

describe('CallfileOriginator against the spool simulator', () => {
  let sim: SpoolSimulator;
  const originator = (mode: 'application' | 'dialplan' = 'application', responseTimeoutMs = 2000) =>
    new CallfileOriginator({
      spoolDir: sim.spoolDir,
      channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
      origin: 'veesion',
      mode,
      responseTimeoutMs,
      pollMs: 10,
    });
  beforeEach(() => {
    sim = new SpoolSimulator(tempDir('vb-spool-')).start();
  });
  afterEach(() => sim.stop());

  it('writes a complete call file, follows it to Status: Completed, and cleans up after itself', async () => {
    const call = await originator().originate(request);
    expect(call.channel).toBe('Local/42@xhoppers-conf');
    const [placed] = sim.calls;
    expect(placed?.name).toMatch(/^veesion-bridge-a-1____x-[0-9a-f]{8}\.call$/);
    expect(placed?.fields).toEqual(
      expect.arrayContaining([
        ['Channel', 'Local/42@xhoppers-conf'],
        ['Application', 'Playback'],
        ['Data', '/var/lib/veesion-bridge/sounds/abc'],
        ['CallerID', '"veesion" <veesion>'],
        ['MaxRetries', '0'],
        ['Archive', 'yes'],
        ['Setvar', 'ALERT_ID=a-1/../x'],
      ]),
    );
    expect(readdirSync(join(sim.spoolDir, 'outgoing'))).toEqual([]);
    expect(readdirSync(join(sim.spoolDir, 'outgoing_done'))).toEqual([]);
    expect(readdirSync(join(sim.spoolDir, 'tmp'))).toEqual([]);
    expect(sim.rejected).toEqual([]);
  });

  it('in dialplan mode sends Context/Extension/Priority and one Setvar line per variable, nothing smuggled', async () => {
    await originator('dialplan').originate(request);
    const fields = sim.calls[0]?.fields ?? [];
    expect(fields).toEqual(
      expect.arrayContaining([
        ['Context', 'veesion'],
        ['Extension', 'veesion'],
        ['Priority', '1'],
        ['Setvar', 'cameraId=3 Application: System'],
      ]),
    );
    expect(fields.filter(([k]) => k === 'Application')).toEqual([]);
  });

  it('turns Expired into a rejected StepError', async () => {
    sim.failNext(1, 'Expired');
    await expect(originator().originate(request)).rejects.toMatchObject({
      code: 'CALLFILE_FAILED',
      kind: 'rejected',
      message: expect.stringContaining('Expired'),
    });
  });

  it('takes back a call file nobody picked up, so it cannot ring later, and says why', async () => {
    sim.defaultOutcome = 'ignore';
    await expect(originator('application', 150).originate(request)).rejects.toMatchObject({
      code: 'CALLFILE_NOT_PICKED_UP',
      kind: 'connection',
    });
    expect(readdirSync(sim.outgoing)).toEqual([]);
  });

  it('fails as a connection problem when the spool cannot be written', async () => {
    const dir = tempDir();
    const o = new CallfileOriginator({
      spoolDir: join(dir, 'no', 'such'),
      channelTemplate: 'Local/1@x',
      origin: 'veesion',
      mode: 'application',
      responseTimeoutMs: 100,
    });
    await expect(o.originate(request)).rejects.toMatchObject({
      code: 'CALLFILE_WRITE',
      kind: 'connection',
      message: expect.stringContaining('no/such/outgoing'),
    });
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});
