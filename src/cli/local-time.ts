/**
 * A time as the CLI shows it to people: in the host's time zone (the one its operator reads
 * clocks in), the zone named, e.g. `2026-12-06 23:07:58 CET`. The zone's abbreviation where
 * there is one in English (CET, BST, EST, UTC), else its offset (GMT+5:30). The --json forms
 * keep ISO 8601 in UTC, for programs.
 */
export function localTime(ms: number, timeZone?: string): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return 'an invalid time';
  const parts = new Intl.DateTimeFormat('en-GB', {
    ...(timeZone !== undefined ? { timeZone } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${zoneName(date, timeZone)}`;
}

/** British English names the European zones (CET, BST), American English the American ones (EST, PDT). */
function zoneName(date: Date, timeZone: string | undefined): string {
  let offset = '';
  for (const locale of ['en-GB', 'en-US']) {
    const name =
      new Intl.DateTimeFormat(locale, { ...(timeZone !== undefined ? { timeZone } : {}), timeZoneName: 'short' })
        .formatToParts(date)
        .find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (name !== '' && !/^GMT[+-]/.test(name)) return name;
    offset ||= name;
  }
  return offset || 'UTC';
}
