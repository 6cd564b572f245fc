import { parseCronWindow } from '../../../src/pipeline/cron-window';
import { mutedReason } from '../../../src/pipeline/mutes';
import { storeSchema } from '../../../src/config/store-schema';

const at = (hour: number, minute = 0, weekday = 3, day = 18, month = 11) => ({ minute, hour, day, month, weekday });

describe('quiet hours as cron windows', () => {
  it('matches ranges, lists and steps, and day-of-month/day-of-week as cron does', () => {
    const night = parseCronWindow('* 22-23,0-6 * * *');
    expect([21, 22, 23, 0, 6, 7].map((h) => night.matches(at(h, 30)))).toEqual([false, true, true, true, true, false]);
    const sunday = parseCronWindow('* * * * 7');
    expect([sunday.matches(at(12, 0, 0)), sunday.matches(at(12, 0, 1))]).toEqual([true, false]);
    const lunch = parseCronWindow('0-29/15 12 * * 1-5');
    expect([0, 15, 29, 30].map((m) => lunch.matches(at(12, m)))).toEqual([true, true, false, false]);
    const either = parseCronWindow('* * 1 * 0'); // the 1st of the month, or any Sunday
    expect([either.matches(at(9, 0, 3, 1)), either.matches(at(9, 0, 0, 18)), either.matches(at(9, 0, 3, 18))]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it.each([
    ['* 22-23 * *', /five fields/],
    ['* 25 * * *', /hour "25": outside 0-23/],
    ['* 7-3 * * *', /outside/],
    ['*/0 * * * *', /step must be at least 1/],
    ['* * * * mon', /day of week "mon"/],
  ])('refuses %j, saying which field', (expr, why) => {
    expect(() => parseCronWindow(expr)).toThrow(why);
  });

  it('is checked with the store config, with its key path', () => {
    const bad = storeSchema.safeParse({
      store_veesion_id: 's',
      audio_conf_id: '1',
      xbees_channel_id: 'c',
      quiet_hours: ['* 22-23 * * *', '* 99 * * *'],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['quiet_hours'],
      message: expect.stringContaining('"* 99 * * *"'),
    });
    const one = storeSchema.parse({
      store_veesion_id: 's',
      audio_conf_id: '1',
      xbees_channel_id: 'c',
      quiet_hours: '* 22-23 * * *',
    });
    expect(one.quiet_hours).toEqual(['* 22-23 * * *']);
  });

  it('mutes for a silence first, then for quiet hours, in local time', () => {
    const store = {
      store_veesion_id: 's',
      name: 'S',
      audio_conf_id: '1',
      xbees_channel_id: 'c',
      quiet_hours: ['* 22-23,0-6 * * *'],
    };
    const night = new Date(2026, 10, 22, 23, 15).getTime();
    const day = new Date(2026, 10, 22, 14, 0).getTime();
    expect(mutedReason(store, night, () => undefined)).toBe('quiet hours (* 22-23,0-6 * * *)');
    expect(mutedReason(store, day, () => undefined)).toBeUndefined();
    expect(mutedReason(store, day, () => day + 60_000)).toMatch(/^silenced until .* \(veesion-bridge silence\)$/);
  });
});
