import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { acceptedIn } from '../../../src/pbx/xhop-state';
import { XhopStateReader } from '../../../src/pbx/xhop-state-reader';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';
import { tempDir } from '../../helpers/paths';

/**
 * The state of x-hoppers' notifications is only printed by a PBX-side command whose output no
 * public document describes: it is read defensively, never trusted to have one shape.
 */
describe('acceptedIn', () => {
  const known = new Set(['r-1', 'r-2']);
  it('reads lines that name a known request and an accepting word, and who when it says', () => {
    expect(acceptedIn('r-1 accepted by Anna Rossi\nr-2 playing\nr-9 accepted by Zoe\n', known)).toEqual([
      { requestId: 'r-1', by: 'Anna Rossi' },
    ]);
    expect(acceptedIn('request=r-2 state=CONFIRMED\n', known)).toEqual([{ requestId: 'r-2' }]);
  });
  it('reads JSON of any nesting', () => {
    const out = JSON.stringify({
      broadcasts: [
        {
          queue: [
            { requestId: 'r-2', state: 'accepted', acceptedBy: 'Luca' },
            { requestId: 'r-1', state: 'playing' },
          ],
        },
      ],
    });
    expect(acceptedIn(out, known)).toEqual([{ requestId: 'r-2', by: 'Luca' }]);
  });
  it('a negated word, or an id that is only a number elsewhere in a line, is no accept', () => {
    expect(acceptedIn('r-1 not accepted (timeout)\nr-2 unconfirmed\n', known)).toEqual([]);
    expect(acceptedIn('queue 12 accepted 3 requests', new Set(['12']))).toEqual([]);
    expect(acceptedIn('rid=12 accepted by Anna', new Set(['12']))).toEqual([{ requestId: '12', by: 'Anna' }]);
    expect(
      acceptedIn(
        JSON.stringify([
          { requestId: 'r-1', state: 'not accepted' },
          { requestId: 'r-2', status: 'timeout: not taken' },
        ]),
        known,
      ),
    ).toEqual([]);
  });

  it('garbage, unknown ids and hostile names change nothing or are cleaned', () => {
    expect(acceptedIn('\u0000\u00ff{{{[[ accepted', known)).toEqual([]);
    expect(acceptedIn('{"requestId":"r-1","state":"playing"', known)).toEqual([]); // cut JSON: read as lines, and nothing accepts
    expect(acceptedIn('r-1 accepted by \u001b[2JMallory\u202e', known)).toEqual([
      { requestId: 'r-1', by: '[2JMallory' },
    ]);
    expect(acceptedIn('anything', new Set())).toEqual([]);
  });
});

describe('XhopStateReader', () => {
  const script = (body: string) => {
    const file = join(tempDir(), 'state.sh');
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const reader = (command: string, accepted: string[]) => {
    const { logger, lines } = capturedLogger();
    const r = new XhopStateReader({
      command,
      logger,
      now: () => Date.now(),
      everyMs: 100,
      timeoutMs: 500,
      onAccepted: async (ids, by) => void accepted.push(`${ids.join(',')} ${by ?? '-'}`),
    });
    return { r, lines };
  };

  it('claims once when the stand-in state command reports the accept, and stops polling when nothing waits', async () => {
    const state = join(tempDir(), 'state.txt');
    writeFileSync(state, 'r-1 playing\n');
    const accepted: string[] = [];
    const { r } = reader(`cat ${state}`, accepted);
    r.track('r-1', ['a1', 'a2'], Date.now() + 60_000);
    await new Promise((res) => setTimeout(res, 400));
    expect(accepted).toEqual([]);
    writeFileSync(state, 'r-1 accepted by Anna\n');
    await waitFor(() => accepted.length > 0, 10_000, 'the accept');
    await new Promise((res) => setTimeout(res, 400));
    expect(accepted).toEqual(['a1,a2 Anna']);
    expect(r.watching).toBe(0);
    r.stop();
  });

  it('a command that hangs is killed and one that prints garbage or is missing changes nothing; each failure logged once', async () => {
    const accepted: string[] = [];
    const hung = reader(script('exec sleep 600'), accepted);
    hung.r.track('r-1', ['a1'], Date.now() + 60_000);
    await hung.r.poll();
    await hung.r.poll();
    expect(hung.lines().filter((l) => l.includes('state command could not be read'))).toHaveLength(1);
    hung.r.stop();
    const garbage = reader(script('head -c 4000 /dev/urandom'), accepted);
    garbage.r.track('r-1', ['a1'], Date.now() + 60_000);
    await garbage.r.poll();
    garbage.r.stop();
    const missing = reader('/nonexistent/xhop-state', accepted);
    missing.r.track('r-1', ['a1'], Date.now() + 60_000);
    await missing.r.poll();
    await missing.r.poll();
    expect(missing.lines().filter((l) => l.includes('"why":"not found"'))).toHaveLength(1);
    missing.r.stop();
    expect(accepted).toEqual([]);
  });

  it('a notification past its confirmation timeout is no longer watched', async () => {
    const accepted: string[] = [];
    const { r } = reader('true', accepted);
    r.track('r-1', ['a1'], Date.now() - 1);
    await r.poll();
    expect(r.watching).toBe(0);
    r.stop();
  });
});
