import net from 'node:net';
import { join } from 'node:path';
import { AmiParser, type AmiMessage } from '../../../src/pbx/ami-codec';
import { AmiSimulator, LEAST_RIGHTS } from '../../../src/sim/ami-sim';
import * as T from '../../../src/sim/ami-transcript';
import { transcript } from '../../helpers/transcripts';
import { tempDir } from '../../helpers/paths';
import { waitFor } from '../../helpers/quiet-logger';
import { writeSilentWav } from '../../helpers/wav';

/** Replays the recorded client bytes to the simulator and compares its answers with Asterisk's. */
async function replay(
  file: string,
  sim: AmiSimulator,
  rewrite = (data: string) => data,
): Promise<{ banner: string | undefined; messages: AmiMessage[] }> {
  const socket = net.connect(sim.port, '127.0.0.1');
  socket.setEncoding('utf8');
  const parser = new AmiParser(true);
  const messages: AmiMessage[] = [];
  socket.on('data', (c: string) => messages.push(...parser.push(c)));
  await new Promise((r) => socket.once('connect', r));
  const client = transcript(file).filter((l) => l.dir === 'client');
  for (const [i, line] of client.entries()) {
    // The recorded pacing (the staff member presses 3 s after joining...), at least 40 ms.
    const previous = client[i - 1];
    if (previous) await new Promise((r) => setTimeout(r, Math.max(40, line.t - previous.t)));
    socket.write(rewrite(line.data));
    // Then wait for this action's answer: a loaded machine must not cut the replay short.
    const id = /ActionID: ([^\r]+)\r\n/.exec(line.data)?.[1];
    if (id)
      await waitFor(
        () => socket.destroyed || messages.some((m) => m.get('ActionID') === id && m.get('Response') !== undefined),
        10_000,
        `the answer to ${id}`,
      );
  }
  await new Promise((r) => setTimeout(r, 40));
  socket.destroy();
  return { banner: parser.banner, messages };
}

const expected = (file: string) => {
  const p = new AmiParser(true);
  const msgs = p.push(
    transcript(file)
      .filter((l) => l.dir === 'server')
      .map((l) => l.data)
      .join(''),
  );
  return { banner: p.banner, msgs };
};
/** The fields that carry meaning (channel numbering and timestamps differ run to run). */
const essence = (m: AmiMessage) => ({
  Response: m.get('Response'),
  ActionID: m.get('ActionID'),
  Message: m.get('Message'),
  Event: m.get('Event'),
  Reason: m.get('Reason'),
  Ping: m.get('Ping'),
});

describe('AmiSimulator speaks like the recorded Asterisk', () => {
  let sim: AmiSimulator;
  beforeEach(async () => {
    sim = new AmiSimulator({ loginFailureCloseMs: 30 });
    await sim.start();
  });
  afterEach(() => sim.stop());

  it('login, ping, originate with OriginateResponse Success, logoff', async () => {
    const file = 'originate-playback-into-confbridge.jsonl';
    const got = await replay(file, sim);
    const want = expected(file);
    expect(got.banner).toBe(want.banner);
    const keep = (m: AmiMessage) => m.get('Response') !== undefined || m.get('Event') === 'OriginateResponse';
    expect(got.messages.filter(keep).map(essence)).toEqual(want.msgs.filter(keep).map(essence));
    expect(sim.originates[0]).toMatchObject({
      channel: 'Local/2@alerts',
      application: 'Playback',
      data: '/var/lib/veesion-bridge/sounds/3f9a2c',
      callerId: '"veesion" <veesion>',
      variables: ['ALERT_ID=a1'],
    });
  });

  it('answers an invalid channel with Error and no event, as Asterisk does', async () => {
    sim.failNext(1, 'failure');
    const got = await replay('originate-errors.jsonl', sim);
    const responses = got.messages
      .filter((m) => m.get('Response') !== undefined || m.get('Event') === 'OriginateResponse')
      .map(essence);
    expect(responses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ActionID: 'orig-2', Message: 'Originate successfully queued' }),
        expect.objectContaining({ Event: 'OriginateResponse', ActionID: 'orig-2', Response: 'Failure', Reason: '0' }),
        expect.objectContaining({ ActionID: 'orig-3', Response: 'Error', Message: 'Invalid channel' }),
      ]),
    );
    expect(responses.some((r) => r.Event === 'OriginateResponse' && r.ActionID === 'orig-3')).toBe(false);
  });

  it('refuses a wrong secret with "Authentication failed" and closes the socket', async () => {
    const got = await replay('login-failure.jsonl', sim);
    expect(got.messages.map(essence)).toEqual([
      {
        Response: 'Error',
        ActionID: 'login-1',
        Message: 'Authentication failed',
        Event: undefined,
        Reason: undefined,
        Ping: undefined,
      },
    ]);
  });
});

/** Every server message of a transcript as raw text, each ending in its blank line. */
const rawMessages = (file: string): string[] => {
  const all = transcript(file)
    .filter((l) => l.dir === 'server')
    .map((l) => l.data)
    .join('');
  return all
    .slice(all.indexOf('\r\n') + 2)
    .split('\r\n\r\n')
    .filter(Boolean)
    .map((m) => `${m}\r\n\r\n`);
};

/** A template as a pattern: each `{{name}}` is one value, the same wherever it repeats. */
const templatePattern = (template: string): RegExp => {
  const seen = new Set<string>();
  const source = template.split(/(\{\{\w+\}\})/).map((part) => {
    const name = /^\{\{(\w+)\}\}$/.exec(part)?.[1];
    if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (seen.has(name)) return `\\k<${name}>`;
    seen.add(name);
    return `(?<${name}>[^\\r\\n]*)`;
  });
  return new RegExp(`^${source.join('')}$`);
};

/** Checks that `template`, filled with a recorded message's own values, gives back its exact bytes. */
const sameBytes = (template: string, raw: string) => {
  const values = templatePattern(template).exec(raw)?.groups;
  expect(values).toBeDefined();
  expect(T.fill(template, values ?? {})).toBe(raw);
};

describe("the simulator's claim, room and escalation messages are the recorded bytes", () => {
  const claims = 'claim-dtmf-userevent-confbridgelist.jsonl';
  const cases: [string, string, (raw: string) => boolean, string][] = [
    ['ConfbridgeJoin', claims, (r) => r.startsWith('Event: ConfbridgeJoin\r\n'), T.CONFBRIDGE_JOIN],
    ['ConfbridgeLeave', claims, (r) => r.startsWith('Event: ConfbridgeLeave\r\n'), T.CONFBRIDGE_LEAVE],
    ['DTMFBegin', claims, (r) => r.startsWith('Event: DTMFBegin\r\n'), T.DTMF_BEGIN],
    ['DTMFEnd', claims, (r) => r.startsWith('Event: DTMFEnd\r\n'), T.DTMF_END],
    ['UserEvent VeesionClaim', claims, (r) => r.startsWith('Event: UserEvent\r\n'), T.USER_EVENT_CLAIM],
    [
      'ConfbridgeList response',
      claims,
      (r) => r.includes('Message: Confbridge user list will follow'),
      T.CONFBRIDGE_LIST_START,
    ],
    ['ConfbridgeList item', claims, (r) => r.startsWith('Event: ConfbridgeList\r\n'), T.CONFBRIDGE_LIST_ITEM],
    [
      'ConfbridgeListComplete',
      claims,
      (r) => r.startsWith('Event: ConfbridgeListComplete\r\n'),
      T.CONFBRIDGE_LIST_COMPLETE,
    ],
    [
      'ConfbridgeListRooms response',
      claims,
      (r) => r.includes('Message: Confbridge conferences will follow'),
      T.CONFBRIDGE_LIST_ROOMS_START,
    ],
    [
      'ConfbridgeListRooms item',
      claims,
      (r) => r.startsWith('Event: ConfbridgeListRooms\r\n'),
      T.CONFBRIDGE_LIST_ROOMS_ITEM,
    ],
    [
      'ConfbridgeListRoomsComplete',
      claims,
      (r) => r.startsWith('Event: ConfbridgeListRoomsComplete\r\n'),
      T.CONFBRIDGE_LIST_ROOMS_COMPLETE,
    ],
    [
      'No Conference by that name found.',
      claims,
      (r) => r.includes('Message: No Conference by that name found.'),
      T.NO_CONFERENCE,
    ],
    [
      'Permission denied',
      'claim-least-privilege.jsonl',
      (r) => r.includes('Message: Permission denied'),
      T.PERMISSION_DENIED,
    ],
    [
      'OriginateResponse not answered (Reason 3, 5)',
      'escalation-noanswer-busy-answer.jsonl',
      (r) => r.startsWith('Event: OriginateResponse\r\n') && r.includes('Response: Failure'),
      T.ORIGINATE_RESPONSE_NOT_ANSWERED,
    ],
    [
      'OriginateResponse answered',
      'escalation-noanswer-busy-answer.jsonl',
      (r) => r.startsWith('Event: OriginateResponse\r\n') && r.includes('Response: Success'),
      T.ORIGINATE_RESPONSE_SUCCESS,
    ],
  ];

  it.each(cases)('%s', (_name, file, pick, template) => {
    const recorded = rawMessages(file).filter(pick);
    expect(recorded.length).toBeGreaterThan(0);
    for (const raw of recorded) sameBytes(template, raw);
  });
});

/** A raw AMI session that logs in with `events` and keeps every message it gets. */
async function session(sim: AmiSimulator, events: string): Promise<{ messages: AmiMessage[]; close(): void }> {
  const socket = net.connect(sim.port, '127.0.0.1');
  socket.setEncoding('utf8');
  const parser = new AmiParser(true);
  const messages: AmiMessage[] = [];
  socket.on('data', (c: string) => messages.push(...parser.push(c)));
  socket.write(`Action: Login\r\nActionID: l\r\nUsername: bridge\r\nSecret: bridgesecret\r\nEvents: ${events}\r\n\r\n`);
  await waitFor(() => messages.some((m) => m.get('ActionID') === 'l'), 10_000, 'login');
  return { messages, close: () => socket.destroy() };
}

describe('AmiSimulator rooms, as the recorded Asterisk 22', () => {
  let sim: AmiSimulator;
  afterEach(() => sim.stop());

  it('replays the least-privilege session: every ConfbridgeList and ListRooms is "Permission denied"', async () => {
    sim = new AmiSimulator({ rights: LEAST_RIGHTS, callLengthMs: 2000 });
    await sim.start();
    const file = 'claim-least-privilege.jsonl';
    const got = await replay(file, sim);
    const keep = (m: AmiMessage) => m.get('Response') !== undefined || m.get('Event') === 'OriginateResponse';
    expect(got.messages.filter(keep).map(essence)).toEqual(expected(file).msgs.filter(keep).map(essence));
  });

  it('replays the claim session: who is in room 70 before and during the announcement, and an empty room 71', async () => {
    sim = new AmiSimulator({ username: 'recorder', secret: 'recordersecret', callLengthMs: 3000 });
    await sim.start();
    const audio = join(tempDir(), 'alert70');
    writeSilentWav(audio, 2000);
    const file = 'claim-dtmf-userevent-confbridgelist.jsonl';
    const got = await replay(file, sim, (d) => d.replace('/tmp/bars-rec/alert70', audio));
    const want = expected(file).msgs;
    const keep = (m: AmiMessage) => m.get('Response') !== undefined || m.get('Event') === 'OriginateResponse';
    expect(got.messages.filter(keep).map(essence)).toEqual(want.filter(keep).map(essence));
    const lists = (ms: AmiMessage[]) =>
      ms
        .filter((m) => /^ConfbridgeList/.test(m.get('Event') ?? ''))
        .map((m) => ({
          Event: m.get('Event'),
          ActionID: m.get('ActionID'),
          Conference: m.get('Conference'),
          CallerIDNum: m.get('CallerIDNum'),
          CallerIDName: m.get('CallerIDName'),
          ListItems: m.get('ListItems'),
          Parties: m.get('Parties'),
        }));
    expect(lists(got.messages)).toEqual(lists(want));
    expect(
      lists(got.messages)
        .filter((l) => l.ActionID === 'list-2')
        .map((l) => l.CallerIDName),
    ).toEqual(['Anna', 'veesion', undefined]);
  });

  it('sends a key press and the claim only to sessions whose Login and rights include dtmf and user', async () => {
    sim = new AmiSimulator();
    await sim.start();
    const everything = await session(sim, 'on');
    const bridge = await session(sim, 'call,user');
    const callOnly = await session(sim, 'call');
    const anna = { callerIdNum: '201', callerIdName: 'Anna' };
    sim.rights = { read: ['call', 'user', 'dtmf', 'reporting'], write: ['originate', 'reporting'] }; // the recording's user
    sim.join('70', anna);
    sim.pressClaim('70', anna);
    sim.leave('70', anna);
    const events = (s: { messages: AmiMessage[] }) => s.messages.map((m) => m.get('Event')).filter(Boolean);
    await waitFor(
      () => [everything, bridge, callOnly].every((s) => events(s).includes('ConfbridgeLeave')),
      10_000,
      'the leave everywhere',
    );
    expect(events(everything)).toEqual(['ConfbridgeJoin', 'DTMFBegin', 'DTMFEnd', 'UserEvent', 'ConfbridgeLeave']);
    expect(events(bridge)).toEqual(['ConfbridgeJoin', 'UserEvent', 'ConfbridgeLeave']);
    expect(events(callOnly)).toEqual(['ConfbridgeJoin', 'ConfbridgeLeave']);
    // Same headers, in the same order, as Asterisk's messages of the same kind.
    const recorded = rawMessages('claim-dtmf-userevent-confbridgelist.jsonl').map(
      (r) => new AmiParser(false).push(r)[0],
    );
    for (const m of everything.messages.filter((x) => x.get('Event') !== undefined)) {
      const twin = recorded.find((r) => r?.get('Event') === m.get('Event'));
      expect(m.fields.map(([k]) => k)).toEqual(twin?.fields.map(([k]) => k));
    }
    const claim = everything.messages.find((m) => m.get('Event') === 'UserEvent');
    expect(claim?.getAll('CallerIDNum')).toEqual(['201', '201']);
    expect(claim?.get('Context')).toBe('veesion-claim');
    for (const s of [everything, bridge, callOnly]) s.close();
  });
});
