import { type Area, type StopDeadline, rescanAreas, startAreas, stopAreas } from '../../src/area';

/** An area that writes what is done to it, in the order it is done. */
function recording(name: string, story: string[]): Area {
  return {
    name,
    start: async () => void story.push(`start ${name}`),
    drain: () => void story.push(`drain ${name}`),
    stop: async () => void story.push(`stop ${name}`),
  };
}

describe('the daemon’s list of areas', () => {
  it('starts in order, drains every area in order before any stops, and stops in reverse', async () => {
    const story: string[] = [];
    const areas = ['http', 'journal', 'pipeline'].map((n) => recording(n, story));
    await startAreas(areas);
    await stopAreas(areas, 1_000);
    expect(story).toEqual([
      'start http',
      'start journal',
      'start pipeline',
      'drain http',
      'drain journal',
      'drain pipeline',
      'stop pipeline',
      'stop journal',
      'stop http',
    ]);
  });

  it('a rescan that fails does not keep the areas after it from theirs, and is thrown once all have run', async () => {
    const story: string[] = [];
    const rescanning = (name: string, fail = false): Area => ({
      ...recording(name, story),
      rescan: async (reason) => {
        story.push(`rescan ${name} ${reason}`);
        if (fail) throw new Error(`${name}: journal refused`);
      },
    });
    await expect(
      rescanAreas([rescanning('pipeline', true), recording('pbx', story), rescanning('chat')], 'takeover'),
    ).rejects.toThrow('pipeline: journal refused');
    expect(story).toEqual(['rescan pipeline takeover', 'rescan chat takeover']);
  });

  it('a start that fails ends the start there: the areas after it are not started', async () => {
    const story: string[] = [];
    const failing: Area = { ...recording('pbx', story), start: () => Promise.reject(new Error('port taken')) };
    await expect(startAreas([recording('http', story), failing, recording('chat', story)])).rejects.toThrow(
      'port taken',
    );
    expect(story).toEqual(['start http']);
  });

  it('gives every area the same deadline, counted from when the last one has drained', async () => {
    const deadlines: StopDeadline[] = [];
    let drained = 0;
    const area = (name: string): Area => ({
      name,
      start: () => undefined,
      drain: async () => {
        await new Promise((r) => setTimeout(r, 20));
        drained = Date.now();
      },
      stop: (d) => void deadlines.push(d),
    });
    await stopAreas([area('a'), area('b')], 500);
    expect(deadlines).toHaveLength(2);
    expect(deadlines[0]).toBe(deadlines[1]);
    expect(deadlines[0]?.ms).toBe(500);
    expect(deadlines[0]?.at).toBeGreaterThanOrEqual(drained + 500);
  });
});
