import { join } from 'node:path';
import { AmiClient } from '../../../src/pbx/ami-client';
import { AmiCallFailed, AmiOriginator, callFailure } from '../../../src/pbx/ami-originator';
import { AmiSimulator } from '../../../src/sim/ami-sim';
import type { OriginateRequest } from '../../../src/pipeline/ports';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';
import { writeSilentWav } from '../../helpers/wav';

describe('calling a person on the escalation list (fixtures/ami/escalation-noanswer-busy-answer.jsonl)', () => {
  let sim: AmiSimulator;
  let client: AmiClient;
  let originator: AmiOriginator;
  let request: OriginateRequest;
  const { logger } = capturedLogger();

  beforeEach(async () => {
    sim = new AmiSimulator();
    await sim.start();
    client = new AmiClient({
      host: '127.0.0.1',
      port: sim.port,
      username: 'bridge',
      secret: 'bridgesecret',
      pingIntervalMs: 60_000,
      responseTimeoutMs: 2000,
      logger,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    client.start();
    await waitFor(() => client.loggedIn, 10_000, 'login');
    originator = new AmiOriginator(client, {
      channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
      origin: 'veesion',
      mode: 'application',
      responseTimeoutMs: 2000,
    });
    const audio = join(tempDir(), 'alert');
    writeSilentWav(audio, 200);
    request = {
      alertId: 'a-1',
      store: { store_veesion_id: 's1', name: 'S1', audio_conf_id: '7', xbees_channel_id: 'c1' },
      speech: { playbackPath: audio, durationMs: 200, cached: true },
      variables: {},
    };
  });
  afterEach(async () => {
    await client.stop();
    await sim.stop();
  });

  it('answered: resolves with the call, which ends after the announcement', async () => {
    sim.personChannel('PJSIP/201', 'answer');
    const call = await originator.originateTo('PJSIP/201', request, 20_000);
    expect(call.channel).toMatch(/^PJSIP\/201-/);
    await call.ended;
    expect(sim.originates[0]).toMatchObject({
      channel: 'PJSIP/201',
      application: 'Playback',
      callerId: '"veesion" <veesion>',
    });
    expect(sim.originates[0]?.fields).toContainEqual(['Timeout', '20000']);
    expect(sim.inRoom('201')).toEqual([]); // a person's channel is no conference room
  });

  it("rang without answer: Reason 3 after the Originate's Timeout", async () => {
    sim.personChannel('PJSIP/202', 'no-answer');
    // The simulator honours Timeout: 300 (no cap set), so this takes about 300 ms, not 30 s.
    const err = await originator.originateTo('PJSIP/202', request, 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiCallFailed);
    expect(err).toMatchObject({
      code: 'AMI_ORIGINATE_FAILED',
      kind: 'rejected',
      reason: 3,
      failure: 'no-answer',
      channel: 'PJSIP/202',
    });
    expect(sim.originates[0]?.fields).toContainEqual(['Timeout', '300']);
  });

  it('rang without answer, with the ring time shortened by the test', async () => {
    sim.personChannel('Local/manager@from-internal', 'no-answer');
    sim.maxRingMs = 50;
    await expect(originator.originateTo('Local/manager@from-internal', request, 60_000)).rejects.toMatchObject({
      reason: 3,
      failure: 'no-answer',
    });
    expect(sim.inRoom('manager')).toEqual([]);
  });

  it('busy: Reason 5 at once', async () => {
    sim.personChannel('PJSIP/203', 'busy');
    await expect(originator.originateTo('PJSIP/203', request, 60_000)).rejects.toMatchObject({
      code: 'AMI_ORIGINATE_FAILED',
      reason: 5,
      failure: 'busy',
      message: expect.stringContaining('reason 5 (busy)'),
    });
  });

  it('a conference call that fails keeps its code, now with reason 0', async () => {
    sim.failNext(1, 'failure');
    await expect(originator.originate(request)).rejects.toMatchObject({
      code: 'AMI_ORIGINATE_FAILED',
      reason: 0,
      failure: 'failed',
    });
  });

  it('names every Reason Asterisk gives', () => {
    expect([0, 1, 3, 5, 8, 99, undefined].map(callFailure)).toEqual([
      'failed',
      'hung-up',
      'no-answer',
      'busy',
      'congestion',
      'failed',
      'failed',
    ]);
  });
});
