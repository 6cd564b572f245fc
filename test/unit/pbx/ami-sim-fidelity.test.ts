import net from 'node:net';
import { AmiParser, AmiMessage } from '../../../src/pbx/ami-codec';
import { AmiSimulator } from '../../../src/sim/ami-sim';
import { transcript } from '../../helpers/transcripts';

/** Replays the recorded client bytes to the simulator and compares its answers with Asterisk's. */
async function replay(file: string, sim: AmiSimulator): Promise<{ banner: string | undefined; messages: AmiMessage[] }> {
  const socket = net.connect(sim.port, '127.0.0.1');
  socket.setEncoding('utf8');
  const parser = new AmiParser(true);
  const messages: AmiMessage[] = [];
  socket.on('data', (c: string) => messages.push(...parser.push(c)));
  await new Promise((r) => socket.once('connect', r));
  for (const line of transcript(file).filter((l) => l.dir === 'client')) {
    socket.write(line.data);
    await new Promise((r) => setTimeout(r, 40));
  }
  socket.destroy();
  return { banner: parser.banner, messages };
}

const expected = (file: string) => {
  const p = new AmiParser(true);
  const msgs = p.push(transcript(file).filter((l) => l.dir === 'server').map((l) => l.data).join(''));
  return { banner: p.banner, msgs };
};
/** The fields that carry meaning (channel numbering and timestamps differ run to run). */
const essence = (m: AmiMessage) => ({ Response: m.get('Response'), ActionID: m.get('ActionID'), Message: m.get('Message'), Event: m.get('Event'), Reason: m.get('Reason'), Ping: m.get('Ping') });

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
    expect(sim.originates[0]).toMatchObject({ channel: 'Local/2@alerts', application: 'Playback', data: '/var/lib/veesion-bridge/sounds/3f9a2c', callerId: '"veesion" <veesion>', variables: ['ALERT_ID=a1'] });
  });

  it('answers an invalid channel with Error and no event, as Asterisk does', async () => {
    sim.failNext(1, 'failure');
    const got = await replay('originate-errors.jsonl', sim);
    const responses = got.messages.filter((m) => m.get('Response') !== undefined || m.get('Event') === 'OriginateResponse').map(essence);
    expect(responses).toEqual(expect.arrayContaining([
      expect.objectContaining({ ActionID: 'orig-2', Message: 'Originate successfully queued' }),
      expect.objectContaining({ Event: 'OriginateResponse', ActionID: 'orig-2', Response: 'Failure', Reason: '0' }),
      expect.objectContaining({ ActionID: 'orig-3', Response: 'Error', Message: 'Invalid channel' }),
    ]));
    expect(responses.some((r) => r.Event === 'OriginateResponse' && r.ActionID === 'orig-3')).toBe(false);
  });

  it('refuses a wrong secret with "Authentication failed" and closes the socket', async () => {
    const got = await replay('login-failure.jsonl', sim);
    expect(got.messages.map(essence)).toEqual([{ Response: 'Error', ActionID: 'login-1', Message: 'Authentication failed', Event: undefined, Reason: undefined, Ping: undefined }]);
  });
});
