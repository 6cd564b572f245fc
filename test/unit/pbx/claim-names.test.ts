import { EventEmitter } from 'node:events';
import { AmiMessage } from '../../../src/pbx/ami-codec';
import { conferenceClaims } from '../../../src/pbx/conference-claims';
import type { IncidentLoop } from '../../../src/pipeline/incident-loop';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';

/** A key press as Asterisk reports it, with the caller id the PBX (or a caller) chose. */
const press = (name: string, num: string) =>
  new AmiMessage([
    ['Event', 'UserEvent'],
    ['Channel', 'PJSIP/201-00000001'],
    ['Context', 'veesion-claim'],
    ['UserEvent', 'VeesionClaim'],
    ['Room', '7'],
    ['CallerIDNum', num],
    ['CallerIDName', name],
  ]);

describe('a key press claims for a caller id made to keep the names rule', () => {
  it('cleans a hostile CallerIDName and CallerIDNum before they name the claimer', async () => {
    const ami = new EventEmitter();
    const by: string[] = [];
    const loop = {
      hears: () => true,
      claimInRoom: async (_room: string, who: string) => (by.push(who), { kind: 'nothing-open' }),
      claim: async () => ({ kind: 'nothing-open' }),
    } as unknown as IncidentLoop;
    const stop = conferenceClaims(ami, loop, capturedLogger().logger, () => 1);
    ami.emit('event', press('\u001b[2J\u001b]0;TITLE\u0007Anna\u202e Rossi\u2066', '201'));
    ami.emit('event', press('\u202e\u0007', '2\u001b[0m01\u200f'));
    ami.emit('event', press('x'.repeat(100), '203'));
    await waitFor(() => by.length === 3, 2_000, 'three claims');
    stop();
    expect(by).toEqual(['[2J ]0;TITLE Anna Rossi', '2 [0m01', 'x'.repeat(80)]);
  });
});
