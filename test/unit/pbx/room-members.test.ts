import { join } from 'node:path';
import { AmiClient } from '../../../src/pbx/ami-client';
import { AmiOriginator } from '../../../src/pbx/ami-originator';
import { roomMembers, sharedRoomMembers } from '../../../src/pbx/room-members';
import { StepError } from '../../../src/pipeline/step-error';
import { AmiSimulator, LEAST_RIGHTS } from '../../../src/sim/ami-sim';
import type { OriginateRequest } from '../../../src/pipeline/ports';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';
import { writeSilentWav } from '../../helpers/wav';

const anna = { callerIdNum: '201', callerIdName: 'Anna' };
const bob = { callerIdNum: '202', callerIdName: 'Bob' };

describe('roomMembers (ConfbridgeList) against the AMI simulator', () => {
  let sim: AmiSimulator;
  let client: AmiClient;
  const { logger } = capturedLogger();

  const connect = async () => {
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
  };

  beforeEach(async () => {
    sim = new AmiSimulator();
    await sim.start();
  });
  afterEach(async () => {
    await client.stop();
    await sim.stop();
  });

  it("lists the people in the room, without the bridge's own announcement leg", async () => {
    await connect();
    const annaChannel = sim.join('7', anna);
    sim.join('7', bob);
    sim.join('8', { callerIdNum: '301', callerIdName: 'Carl' });
    expect(await roomMembers(client, '7')).toEqual({
      kind: 'members',
      members: [
        { channel: annaChannel, callerIdNum: '201', callerIdName: 'Anna' },
        expect.objectContaining({ callerIdNum: '202', callerIdName: 'Bob' }),
      ],
    });
    // While an announcement plays into room 7, its `;2` leg is in the room too (as recorded).
    const audio = join(tempDir(), 'alert');
    writeSilentWav(audio, 1500);
    const request: OriginateRequest = {
      alertId: 'a-1',
      store: { store_veesion_id: 's1', name: 'S1', audio_conf_id: '7', xbees_channel_id: 'c1' },
      speech: { playbackPath: audio, durationMs: 1500, cached: true },
      variables: {},
    };
    const originator = new AmiOriginator(client, {
      channelTemplate: 'Local/${audio_conf_id}@xhoppers-conf',
      origin: 'veesion',
      mode: 'application',
      responseTimeoutMs: 5000,
    });
    const call = await originator.originate(request);
    const all = await roomMembers(client, '7');
    expect(all.kind === 'members' && all.members.map((m) => m.callerIdNum)).toEqual(['201', '202', 'veesion']);
    expect(all.kind === 'members' && all.members[2]?.channel).toMatch(/^Local\/7@xhoppers-conf-[0-9a-f]+;2$/);
    const people = await roomMembers(client, '7', { ignoreCallerIdNum: 'veesion' });
    expect(people.kind === 'members' && people.members.map((m) => m.callerIdName)).toEqual(['Anna', 'Bob']);
    await call.ended;
    sim.leave('7', anna);
    sim.leave('7', bob);
  });

  it('says empty when Asterisk has no such room, or no room at all, or only the announcement in it', async () => {
    await connect();
    expect(await roomMembers(client, '7')).toEqual({ kind: 'empty' }); // "No active conferences."
    sim.join('8', anna);
    expect(await roomMembers(client, '7')).toEqual({ kind: 'empty' }); // "No Conference by that name found."
    sim.join('7', { callerIdNum: 'veesion', callerIdName: 'veesion' });
    expect(await roomMembers(client, '7', { ignoreCallerIdNum: 'veesion' })).toEqual({ kind: 'empty' });
    sim.join('7', bob);
    sim.leave('7', bob);
    expect(await roomMembers(client, '7', { ignoreCallerIdNum: 'veesion' })).toEqual({ kind: 'empty' });
    const messages = sim.actions.filter((a) => a.get('Action') === 'ConfbridgeList').map((a) => a.get('Conference'));
    expect(messages).toEqual(['7', '7', '7', '7']);
  });

  it('says unknown, and what to fix, when the AMI user lacks the reporting right', async () => {
    sim.rights = LEAST_RIGHTS;
    await connect();
    sim.join('7', anna);
    const got = await roomMembers(client, '7');
    expect(got).toEqual({
      kind: 'unknown',
      reason: expect.stringContaining('write = originate,reporting in manager-veesion.conf'),
    });
  });

  it('says unknown when the AMI is down or the connection drops during the list', async () => {
    await connect();
    sim.join('7', anna);
    await sim.stop();
    await waitFor(() => !client.loggedIn, 10_000, 'the client to notice');
    expect(await roomMembers(client, '7')).toEqual({
      kind: 'unknown',
      reason: expect.stringContaining('not logged in to the AMI'),
    });
    // A connection that dies while the list is asked for.
    await sim.start(0);
    await client.stop();
    await connect();
    sim.join('7', anna);
    const pending = roomMembers(client, '7');
    sim.dropConnections();
    expect(await pending).toEqual({ kind: 'unknown', reason: expect.stringContaining('AMI connection lost') });
  });

  it('asked by many in one turn (the alerts of one summary call), sends Asterisk one ConfbridgeList per room; a later turn asks again', async () => {
    await connect();
    sim.join('7', anna);
    sim.join('8', bob);
    const lists = () => sim.actions.filter((a) => a.get('Action') === 'ConfbridgeList').map((a) => a.get('Conference'));
    const members = sharedRoomMembers(client);
    const together = [...Array.from({ length: 30 }, () => members('7')), members('8')];
    // The next turn, while those are still out: someone may have joined since, so it is asked again.
    await new Promise((r) => setImmediate(r));
    sim.join('7', bob);
    const after = members('7');
    const answers = await Promise.all(together);
    expect(new Set(answers.slice(0, 30).map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ kind: 'members', members: [expect.objectContaining({ callerIdNum: '201' })] });
    expect(answers[30]).toEqual({ kind: 'members', members: [expect.objectContaining({ callerIdNum: '202' })] });
    expect(await after).toEqual({ kind: 'members', members: [expect.anything(), expect.anything()] });
    expect(lists()).toEqual(['7', '8', '7']);
  });
});

describe('roomMembers with a list that never completes', () => {
  it("says unknown, with the client's reason", async () => {
    const slow = {
      loggedIn: true,
      notReadyReason: undefined,
      listAction: () =>
        Promise.reject(new StepError('AMI_TIMEOUT', 'timeout', 'no ConfbridgeListComplete within 2000 ms')),
    };
    expect(await roomMembers(slow, '7')).toEqual({
      kind: 'unknown',
      reason: 'ConfbridgeList for room 7 got no full answer: no ConfbridgeListComplete within 2000 ms',
    });
  });
});
