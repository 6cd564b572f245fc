import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWildixEvent } from '../../../src/chat/wildix-event';
import { keyShape } from '../../../src/chat/key-shape';
import { signatureMatches } from '../../../src/http/wildix-events-router';
import { ClaimWords, normaliseReply } from '../../../src/chat/claim-words';
import { alertButtons, parseActionId } from '../../../src/chat/alert-actions';
import { FIXTURES } from '../../helpers/paths';

const wildix = (name: string) => readFileSync(join(FIXTURES, 'wildix', name));
const example = (name: string) =>
  JSON.parse(wildix(name).toString('utf8')) as { id: string; time: number; data: Record<string, unknown> } & Record<
    string,
    unknown
  >;

describe('Wildix events at the edge', () => {
  it("checks the signature as Wildix makes it: our vector over Wildix's public example passes, one changed byte or another secret does not", () => {
    const body = wildix('call-end.body.json');
    const vector = JSON.parse(wildix('call-end.signature.json').toString('utf8')) as { secret: string; value: string };
    expect(signatureMatches(vector.secret, body, vector.value)).toBe(true);
    expect(signatureMatches(vector.secret, body, vector.value.toUpperCase())).toBe(true); // hex is hex
    const tampered = Buffer.from(body);
    tampered[10] = tampered[10]! ^ 1;
    expect(signatureMatches(vector.secret, tampered, vector.value)).toBe(false);
    expect(signatureMatches(`${vector.secret}x`, body, vector.value)).toBe(false);
    expect(signatureMatches(vector.secret, body, vector.value.slice(0, 62))).toBe(false);
  });

  it("reads Wildix's public call:end example (wildix-webhook-example, events/call_end.json): who called whom, the status", () => {
    const parsed = parseWildixEvent(JSON.parse(wildix('call-end.body.json').toString('utf8')));
    expect(parsed).toEqual({
      ok: true,
      event: {
        id: 'it_w118741_1693389850.110',
        type: 'call:end',
        time: 1693389853611,
        kind: 'call',
        destination: '10020',
        status: 'CONNECTING',
        parties: [
          { role: 'caller', phone: '1001', who: 'admin (1001)' },
          { role: 'callee', phone: '10020', who: 'user20 (10020)' },
        ],
      },
    });
  });

  it('reads a button press and a reply into who did what where; system messages and unknown types are not acted on', () => {
    const user = { id: 'u1', name: 'Anna\r\nInjected: yes', email: 'anna@example.com' };
    expect(
      parseWildixEvent({
        id: 'e1',
        type: 'chat:message:action',
        time: 5,
        data: { channel: { channelId: 'c1' }, action: { id: 'veesion:claim:a1' }, user },
      }),
    ).toEqual({
      ok: true,
      event: {
        id: 'e1',
        type: 'chat:message:action',
        time: 5,
        kind: 'chat-action',
        channelId: 'c1',
        actionId: 'veesion:claim:a1',
        user: { id: 'u1', display: 'Anna Injected: yes', bot: false },
      },
    });
    expect(
      parseWildixEvent({
        id: 'e2',
        type: 'chat:message:new',
        time: 42,
        data: {
          channel: { channelId: 'c1' },
          message: { text: 'ok', type: 'regular', user: { id: 7, email: 'x@y.z' } },
        },
      }),
    ).toMatchObject({
      ok: true,
      event: { time: 42, kind: 'chat-message', text: 'ok', user: { id: '7', display: 'x@y.z' } },
    });
    expect(
      parseWildixEvent({
        id: 'e3',
        type: 'chat:message:new',
        time: 1,
        data: { channel: { channelId: 'c1' }, message: { text: 'joined', type: 'system', user: { id: 'u' } } },
      }),
    ).toMatchObject({ ok: true, event: { kind: 'other' } });
    expect(parseWildixEvent({ id: 'e4', type: 'presence:user', time: 1, data: 'anything' })).toMatchObject({
      ok: true,
      event: { kind: 'unread', shape: '{data,id,time,type}' },
    });
  });

  // docs.wildix.com, Calls -> Webhooks, the first call:live:progress example (fixtures/wildix/README.md).
  it("reads the documented call:live:progress: each flow's caller and destination, the last flow's status", () => {
    expect(parseWildixEvent(example('call-live-progress.body.json'))).toEqual({
      ok: true,
      event: {
        id: 'it_w000001_1721984075.0',
        type: 'call:live:progress',
        time: 1721984076400,
        kind: 'call',
        destination: '+159255512345',
        status: 'HOLD',
        parties: [
          { role: 'caller', phone: '230', who: 'John Doe (230)' },
          { role: 'callee', phone: '+159255512345', who: null },
        ],
      },
    });
  });

  // The same documented example with a second leg (a transfer to the room), and the other call:live:* events.
  it('reads every leg of a live call, and the other call:live:* events with flows; one without flows is not read', () => {
    const body = example('call-live-progress.body.json');
    const [leg] = body.data.flows as Record<string, unknown>[];
    const transfer = {
      ...leg,
      flowIndex: 1,
      caller: { type: 'LOCAL', phone: '230', name: 'John Doe\u001b[2J', userExtension: '230' },
      callee: { type: 'LOCAL', phone: '5', name: null },
      destination: '5',
      status: undefined,
      callStatus: 'CONNECTED',
    };
    const two = { ...body, type: 'call:live:completed', data: { ...body.data, flows: [leg, transfer] } };
    expect(parseWildixEvent(two)).toMatchObject({
      ok: true,
      event: {
        kind: 'call',
        type: 'call:live:completed',
        destination: '5',
        status: 'CONNECTED',
        parties: [
          { role: 'caller', phone: '230', who: 'John Doe (230)' },
          { role: 'callee', phone: '+159255512345', who: null },
          { role: 'caller', phone: '230', who: 'John Doe [2J (230)' },
          { role: 'callee', phone: '5', who: null },
        ],
      },
    });
    expect(parseWildixEvent({ ...body, type: 'call:live:transcription', data: { text: 'hello Anna' } })).toMatchObject({
      ok: true,
      event: { kind: 'unread', shape: '{company,data:{text},id,integrationId,pbx,time,type}' },
    });
    expect(parseWildixEvent({ ...body, data: { flows: [{ caller: 'not an object' }] } })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('flows'),
    });
  });

  // docs.wildix.com, Conferences -> Webhooks: the conference:live:progress and conference:live:join examples.
  it('reads the documented conference events: progress names the conference (id, subject, members), a join only its id', () => {
    expect(parseWildixEvent(example('conference-live-progress.body.json'))).toEqual({
      ok: true,
      event: {
        id: 'codeea87-3d59-4d1d-80be-fc4f0260_1721905148868',
        type: 'conference:live:progress',
        time: 1721905149199,
        kind: 'conference',
        conferenceId: 'codeea87-3d59-4d1d-80be-fc4f0260_1721905148868',
        subject: 'Status & Priorities',
        participants: ['John Doe (25111)'],
      },
    });
    expect(parseWildixEvent(example('conference-live-join.body.json'))).toEqual({
      ok: true,
      event: {
        id: '53ffd896-a0e6-4d0b-bd9c-8e869500-1724154386297',
        type: 'conference:live:join',
        time: 1724154459276,
        kind: 'conference',
        conferenceId: '53ffd896-a0e6-4d0b-bd9c-8e869591-11_1724154386297',
        subject: null,
        participants: ['John Doe (25111)'],
      },
    });
  });

  it('the shape of an unread event is its key names, merged over arrays, without a single value', () => {
    const body = {
      id: 'e9',
      type: 'presence:user',
      time: 1,
      data: {
        email: 'anna@example.com',
        extension: '230',
        list: [{ a: 'Anna' }, { b: '+33612345678' }],
        'anna@example.com': 1,
        '33612345678': 2,
      },
    };
    const shape = keyShape(body);
    expect(shape).toBe('{data:{<key>,email,extension,list:[{a,b}]},id,time,type}');
    for (const value of ['anna', 'Anna', '230', '3361', 'e9', 'presence']) expect(shape).not.toContain(value);
  });

  it('a user with neither name nor email is named by their id, made one line', () => {
    expect(
      parseWildixEvent({
        id: 'e',
        type: 'chat:message:new',
        time: 1,
        data: { channel: { channelId: 'c' }, message: { text: 'ok', user: { id: 'u\r\nFake: 1' } } },
      }),
    ).toMatchObject({ ok: true, event: { user: { display: 'u Fake: 1' } } });
  });

  it('refuses what it cannot read, saying where', () => {
    expect(parseWildixEvent([])).toMatchObject({ ok: false, reason: expect.stringContaining('not a Wildix event') });
    expect(parseWildixEvent({ type: 'call:end', time: 1, data: {} })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('id'),
    });
    expect(parseWildixEvent({ id: 'e', type: 'call:end', data: {} })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('time'),
    });
    expect(
      parseWildixEvent({
        id: 'e',
        time: 1,
        type: 'chat:message:action',
        data: { channel: { channelId: 'c' }, action: {}, user: { id: 'u' } },
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('action.id') });
    expect(
      parseWildixEvent({
        id: 'e',
        time: 1,
        type: 'chat:message:new',
        data: { channel: { channelId: 'c' }, message: { text: 'x'.repeat(5000), user: { id: 'u' } } },
      }),
    ).toMatchObject({ ok: false });
    expect(
      parseWildixEvent({ id: 'e', time: 1, type: 'conference:live:progress', data: { participants: 'Anna' } }),
    ).toMatchObject({ ok: false });
  });
});

describe('claim words', () => {
  it('matches a whole reply in English, French and Italian, whatever its case, apostrophes, punctuation or emoji', () => {
    const words = new ClaimWords();
    for (const yes of [
      'ok',
      'OK!',
      'On it.',
      '  mine ',
      'I’m on it',
      'Je m’en occupe',
      "j'y vais !",
      'Ci penso io',
      'vado io',
      'ok 👍',
      'Ok 👍🏽',
    ])
      expect([yes, words.matches(yes)]).toEqual([yes, true]);
    for (const no of ['not ok', 'is it mine?', 'ok?', 'mine ?!', 'okay so who is going', '', 'o k', 'ci penso'])
      expect([no, words.matches(no)]).toEqual([no, false]);
  });

  it('BRIDGE_CLAIM_WORDS replaces the list', () => {
    const words = new ClaimWords(['Yo lo tomo', 'voy']);
    expect([words.matches('yo lo tomo!'), words.matches('VOY'), words.matches('ok')]).toEqual([true, true, false]);
    expect(normaliseReply('  Ci   penso  IO!! ')).toBe('ci penso io');
  });
});

describe('alert buttons', () => {
  it('each button says what it does to which alert, and only our ids parse back', () => {
    const [element] = alertButtons('a:1') as {
      actions: { button: { text: string; handler: { action: { id: string } } } }[];
    }[];
    const parsed = element!.actions.map((a) => [a.button.text, parseActionId(a.button.handler.action.id)]);
    expect(parsed).toEqual([
      ["I'm on it", { action: { what: 'claim' }, alertId: 'a:1' }],
      ['Theft confirmed', { action: { what: 'resolve', outcome: 'theft' }, alertId: 'a:1' }],
      ['False alarm', { action: { what: 'resolve', outcome: 'false-alarm' }, alertId: 'a:1' }],
      ['Not found', { action: { what: 'resolve', outcome: 'not-found' }, alertId: 'a:1' }],
    ]);
    for (const bad of ['veesion:claim:', 'veesion:steal:a1', 'other:claim:a1', 'veesion:no-outcome:a1', 'veesion'])
      expect(parseActionId(bad)).toBeUndefined();
  });
});
