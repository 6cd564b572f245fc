import { LiveIncidents } from '../../../src/pipeline/incidents/live-incident';
import { ManualClock } from '../../helpers/manual-clock';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LiveIncidents', () => {
  it('keeps an incident while its repeat is due or under way, and lets it go once nothing is', async () => {
    const clock = new ManualClock();
    const lives = new LiveIncidents(clock);
    const fired: string[] = [];
    const live = lives.of('i1');
    live.repeatAt(clock.now() + 1_000, () => {
      fired.push('repeat');
      live.beginRepeat();
    });
    await settle();
    expect(lives.peek('i1')).toBe(live);
    await clock.advance(1_000);
    expect(fired).toEqual(['repeat']);
    expect(lives.peek('i1')).toBe(live); // the repeat is under way
    expect(live.beginRepeat()).toBe(false); // at most one at a time
    live.endRepeat();
    await settle();
    expect(lives.peek('i1')).toBeUndefined();
    // Made and given nothing to do: not kept either.
    lives.of('i2');
    await settle();
    expect(lives.all()).toEqual([]);
  });

  it('a timer replaced in one turn keeps its incident: only the new one fires', async () => {
    const clock = new ManualClock();
    const lives = new LiveIncidents(clock);
    const fired: number[] = [];
    const live = lives.of('i1');
    live.repeatAt(clock.now() + 1_000, () => fired.push(1));
    live.cancelRepeat();
    live.repeatAt(clock.now() + 2_000, () => fired.push(2));
    await settle();
    expect(lives.peek('i1')).toBe(live);
    await clock.advance(5_000);
    expect(fired).toEqual([2]);
  });

  it('settling stops its timers, and an object made again for it (a stale read) is born settled', async () => {
    const clock = new ManualClock();
    const lives = new LiveIncidents(clock);
    const fired: string[] = [];
    const live = lives.of('i1');
    live.repeatAt(clock.now() + 1_000, () => fired.push('repeat'));
    live.escalateAt(clock.now() + 2_000, () => fired.push('escalate'));
    live.countedCall = 'call-1';
    lives.settle('i1');
    expect(live).toMatchObject({ settled: true, countedCall: undefined, repeatDue: false, escalationDue: false });
    await clock.advance(5_000);
    expect(fired).toEqual([]);
    expect(lives.peek('i1')).toBeUndefined();
    expect(lives.of('i1').settled).toBe(true);
    expect(lives.of('i2').settled).toBe(false);
  });

  it('changes of its count run one at a time, in the order asked, and it is kept until the last has run', async () => {
    const lives = new LiveIncidents(new ManualClock());
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = lives.of('i1').serially(
      () =>
        new Promise<void>((resolve) => {
          order.push('first starts');
          release = () => (order.push('first ends'), resolve());
        }),
    );
    const second = lives.of('i1').serially(async () => {
      order.push('second');
    });
    await settle();
    expect(order).toEqual(['first starts']);
    expect(lives.peek('i1')?.countUnderWay).toBe(true);
    release();
    await Promise.all([first, second]);
    await settle();
    expect(order).toEqual(['first starts', 'first ends', 'second']);
    expect(lives.peek('i1')).toBeUndefined();
  });
});
