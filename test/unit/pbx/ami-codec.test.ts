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
