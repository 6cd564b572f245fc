import { AmiClient } from '../../../src/pbx/ami-client';
import { AmiMessage } from '../../../src/pbx/ami-codec';
import { listenForClaims, parseClaim, type ClaimPress } from '../../../src/pbx/claim-events';
import { AmiSimulator, LEAST_RIGHTS } from '../../../src/sim/ami-sim';
import * as T from '../../../src/sim/ami-transcript';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';

const anna = { callerIdNum: '201', callerIdName: 'Anna' };
const bob = { callerIdNum: '202', callerIdName: 'Bob' };

/** A UserEvent with a channel snapshot in `context`, then `body` (raw header lines). */
const userEvent = (body: string, context = 'veesion-claim') =>
  'Event: UserEvent\r\nPrivilege: user,all\r\nChannel: PJSIP/201-00000001\r\nChannelState: 6\r\nChannelStateDesc: Up\r\n' +
  `CallerIDNum: 201\r\nCallerIDName: Anna\r\nContext: ${context}\r\nExten: s\r\nPriority: 1\r\n${body}\r\n`;
const parse = (raw: string) => {
  const fields = raw
    .replace(/\r\n\r\n$/, '')
    .split('\r\n')
    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as const);
  return parseClaim(new AmiMessage(fields), { now: () => 42 });
};

describe('claim presses from the AMI', () => {
  let sim: AmiSimulator;
  let client: AmiClient;
  let claims: ClaimPress[];
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
    listenForClaims(client, (c) => claims.push(c), { now: () => 1_000 });
    client.start();
    await waitFor(() => client.loggedIn, 10_000, 'login');
  };
  /** Waits for a ConfbridgeJoin sent after everything before it: what came earlier has arrived. */
  const settle = async () => {
    let joined = false;
    const seen = (m: AmiMessage) =>
      void (m.get('Event') === 'ConfbridgeJoin' && m.get('CallerIDNum') === '999' && (joined = true));
    client.on('event', seen);
    sim.join('99', { callerIdNum: '999', callerIdName: 'Marker' });
    await waitFor(() => joined, 10_000, 'the marker join');
    client.off('event', seen);
    sim.leave('99', { callerIdNum: '999', callerIdName: 'Marker' });
  };

  beforeEach(async () => {
    claims = [];
    sim = new AmiSimulator();
    await sim.start();
  });
  afterEach(async () => {
    await client.stop();
    await sim.stop();
  });

  it('hands a press of 1 in room 7 to the callback with who pressed', async () => {
    await connect();
    expect(sim.actions[0]?.get('Events')).toBe('call,user');
    sim.join('7', anna);
    sim.join('7', bob);
    sim.pressClaim('7', anna);
    await waitFor(() => claims.length === 1, 10_000, 'the claim');
    expect(claims).toEqual([{ room: '7', callerIdNum: '201', callerIdName: 'Anna', at: 1_000 }]);
  });

  it('gets no claim as the least-privilege user (no user class), as recorded', async () => {
    sim.rights = LEAST_RIGHTS;
    await connect();
    sim.join('7', anna);
    sim.pressClaim('7', anna);
    await settle();
    expect(claims).toEqual([]);
  });

  it('ignores forged and malformed UserEvents', async () => {
    await connect();
    const body = (room: string) =>
      `UserEvent: VeesionClaim\r\nRoom: ${room}\r\nCallerIDNum: 201\r\nCallerIDName: Anna\r\n`;
    for (const raw of [
      userEvent(body('7; DROP')), // room not digits
      userEvent(body('')), // empty room
      userEvent('UserEvent: VeesionClaim\r\nRoom: 7\r\nCallerIDName: Anna\r\n'), // no number in the body (the channel's does not count)
      userEvent('UserEvent: VeesionClaim\r\nRoom: 7\r\nCallerIDNum: 201\r\nRoom: 8\r\nCallerIDName: Anna\r\n'), // a caller id that smuggled a second Room
      userEvent(body('7'), 'from-internal'), // raised by some other dialplan
      `Event: UserEvent\r\nPrivilege: user,all\r\n${body('7')}\r\n`, // an AMI user's Action: UserEvent, no channel
      userEvent(body('7').replace('VeesionClaim', 'SomethingElse')),
      userEvent(body('7')).replace('Event: UserEvent', 'Event: Newexten'),
    ])
      sim.broadcast('user', raw);
    await settle();
    expect(claims).toEqual([]);
    sim.broadcast('user', userEvent(body('7')));
    await waitFor(() => claims.length === 1, 10_000, 'the one genuine claim');
  });
});

describe('parseClaim', () => {
  it('reads the body after the UserEvent header, not the channel snapshot before it', () => {
    // The channel says 201/Anna; the body (what the dialplan wrote) wins.
    expect(
      parse(userEvent('UserEvent: VeesionClaim\r\nRoom: 12\r\nCallerIDNum: 305\r\nCallerIDName: Carla\r\n')),
    ).toEqual({ room: '12', callerIdNum: '305', callerIdName: 'Carla', at: 42 });
  });

  it('trims and bounds caller ids, and treats <unknown> and empty as absent', () => {
    const long = 'x'.repeat(500);
    expect(
      parse(userEvent(`UserEvent: VeesionClaim\r\nRoom: 3\r\nCallerIDNum: <unknown>\r\nCallerIDName:   ${long}  \r\n`)),
    ).toEqual({ room: '3', callerIdName: 'x'.repeat(80), at: 42 });
    expect(parse(userEvent('UserEvent: VeesionClaim\r\nRoom: 3\r\nCallerIDNum:  201 \r\nCallerIDName: \r\n'))).toEqual({
      room: '3',
      callerIdNum: '201',
      at: 42,
    });
  });

  it('a press on an escalation call names its incident; a value that is not one of our ids is refused', () => {
    const id = 'inc_0b9e8c1e-1c2a-4d3b-9f00-123456789abc';
    expect(
      parse(
        userEvent(
          `UserEvent: VeesionClaim\r\nRoom: 61\r\nIncident: ${id}\r\nCallerIDNum: veesion\r\nCallerIDName: PJSIP/203\r\n`,
          'veesion-claim',
        ),
      ),
    ).toEqual({ room: '61', incidentId: id, callerIdNum: 'veesion', callerIdName: 'PJSIP/203', at: 42 });
    expect(
      parse(
        userEvent('UserEvent: VeesionClaim\r\nRoom: 61\r\nIncident: ../../x\r\nCallerIDNum: 1\r\nCallerIDName: x\r\n'),
      ),
    ).toBe('Incident is not an incident id');
  });

  it('is the same template the simulator sends, byte for byte', () => {
    const raw = T.fill(T.USER_EVENT_CLAIM, {
      channel: 'PJSIP/201-1',
      cidNum: '201',
      cidName: 'Anna',
      context: 'veesion-claim',
      exten: 's',
      priority: '1',
      uniqueid: '1.1',
      linkedid: '1.1',
      room: '7',
    });
    expect(parse(raw)).toEqual({ room: '7', callerIdNum: '201', callerIdName: 'Anna', at: 42 });
  });
});
