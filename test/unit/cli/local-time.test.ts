import { localTime } from '../../../src/cli/local-time';

describe("localTime: the CLI's times, in a zone it names", () => {
  const winter = Date.UTC(2026, 11, 6, 22, 7, 58);
  const summer = Date.UTC(2026, 6, 6, 22, 7, 58);

  it('names the zone by its abbreviation, summer time included', () => {
    expect(localTime(winter, 'Europe/Paris')).toBe('2026-12-06 23:07:58 CET');
    expect(localTime(summer, 'Europe/Paris')).toBe('2026-07-07 00:07:58 CEST');
    expect(localTime(summer, 'Europe/London')).toBe('2026-07-06 23:07:58 BST');
    expect(localTime(winter, 'America/New_York')).toBe('2026-12-06 17:07:58 EST');
    expect(localTime(winter, 'UTC')).toBe('2026-12-06 22:07:58 UTC');
  });

  it('names a zone with no abbreviation by its offset', () => {
    expect(localTime(winter, 'Asia/Kolkata')).toBe('2026-12-07 03:37:58 GMT+5:30');
  });

  it("is in the host's zone when none is given", () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(localTime(winter)).toBe(localTime(winter, zone));
  });

  it('shows midnight as 00, not 24', () => {
    expect(localTime(Date.UTC(2026, 0, 1, 0, 0, 0), 'UTC')).toBe('2026-01-01 00:00:00 UTC');
  });
});
