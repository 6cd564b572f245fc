import v8 from 'node:v8';
import vm from 'node:vm';
import { AmiParser, encodeMessage } from '../../../src/pbx/ami-codec';
import { transcript } from '../../helpers/transcripts';

describe('AmiParser on real Asterisk transcripts', () => {
  it('reads the banner and every message, whatever the chunking', () => {
    const server = transcript('originate-playback-into-confbridge.jsonl')
      .filter((l) => l.dir === 'server')
      .map((l) => l.data)
      .join('');
    const whole = new AmiParser(true);
    const all = whole.push(server);
    // Same bytes fed 7 at a time: chunk boundaries fall inside lines and messages.
    const split = new AmiParser(true);
    const pieces = [];
    for (let i = 0; i < server.length; i += 7) pieces.push(...split.push(server.slice(i, i + 7)));
    expect(whole.banner).toBe('Asterisk Call Manager/13.0.0');
    expect(pieces.map((m) => m.fields)).toEqual(all.map((m) => m.fields));
    const response = all.find((m) => m.get('Event') === 'OriginateResponse');
    expect(response?.get('actionid')).toBe('orig-1');
    expect(response?.get('Response')).toBe('Success');
    expect(response?.get('Reason')).toBe('4');
    expect(all.find((m) => m.get('Ping') === 'Pong')?.get('ActionID')).toBe('ping-1');
    // Empty values are kept ("AccountCode: ").
    expect(all.find((m) => m.get('Event') === 'Newchannel')?.get('AccountCode')).toBe('');
  });

  it('encodes actions byte for byte as the recorded client did', () => {
    const login = transcript('originate-playback-into-confbridge.jsonl').find((l) => l.dir === 'client')?.data;
    expect(
      encodeMessage([
        ['Action', 'Login'],
        ['ActionID', 'login-1'],
        ['Username', 'bridge'],
        ['Secret', 'bridgesecret'],
        ['Events', 'call'],
      ]),
    ).toBe(login);
  });

  it('strips CR and LF from header values so no header can be smuggled in', () => {
    const bytes = encodeMessage([
      ['Action', 'Originate'],
      ['CallerID', 'x\r\nApplication: System\r\nData: rm -rf /'],
    ]);
    const [msg] = new AmiParser(false).push(bytes);
    expect(msg?.fields).toEqual([
      ['Action', 'Originate'],
      ['CallerID', 'xApplication: SystemData: rm -rf /'],
    ]);
  });
});

describe('AmiParser and memory', () => {
  // Asterisk sends events in chunks of tens of KB; the daemon keeps a value or two of some
  // messages for an hour (an answered call's token). V8 keeps a substring's whole parent alive.
  it('a value kept from one message does not keep the chunk it came in alive', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const filler = 'Event: Newexten\r\nPrivilege: dialplan,all\r\nAppData: '.concat('x'.repeat(900), '\r\n\r\n');
    const kept: string[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 200; i++) {
      const parser = new AmiParser(false);
      const chunk = `${filler.repeat(60)}Event: OriginateResponse\r\nActionID: vb-call-${'0'.repeat(20)}${i}\r\n\r\n`;
      const messages = parser.push(chunk);
      kept.push((messages.at(-1)?.get('ActionID') ?? '').slice('vb-call-'.length));
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(kept.filter((k) => k.length > 20)).toHaveLength(200);
    // 200 chunks of about 57 KB each would be 11 MB; 200 small messages are a few KB.
    expect(grown).toBeLessThan(2 * 2 ** 20);
  });
});
