import { parseDuration, parseSince } from '../../../src/cli/time-arg';

describe('time arguments', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it('reads durations and ISO times', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('30')).toBeUndefined();
    expect(parseSince('2h', now)).toBe(Date.parse('2026-11-22T10:00:00Z'));
    expect(parseSince('2026-11-22T08:00:00Z', now)).toBe(Date.parse('2026-11-22T08:00:00Z'));
    expect(parseSince('2026-11-21', now)).toBe(Date.parse('2026-11-21'));
  });
  it.each(['yesterday', '2h ago', '-1h', '2026-13-45', '', '1e9s'])('refuses %j with the forms it accepts', (bad) => {
    expect(() => parseSince(bad, now)).toThrow(/30m, 2h, 7d.*ISO/);
  });
});
