/**
 * Quiet hours as cron expressions: a minute is quiet when it matches (`* 22-23,0-6 * * *` is
 * 22:00 to 06:59 every day; `* * * * 0` all Sunday). Five fields, minute hour day-of-month
 * month day-of-week, each `*`, a number, a range `a-b`, a list, or a step `*\/n` / `a-b/n`.
 * Day of month and day of week combine as in cron: when both are restricted, either may match.
 */
export interface CronWindow {
  source: string;
  matches(t: { minute: number; hour: number; day: number; month: number; weekday: number }): boolean;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

/** Parses one expression; throws with the field at fault. */
export function parseCronWindow(source: string): CronWindow {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error(`"${source}": five fields (minute hour day month weekday) expected, got ${parts.length}`);
  const sets = parts.map((p, i) => parseField(p, FIELDS[i] as (typeof FIELDS)[number], source));
  const [minutes, hours, days, months, weekdays] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.has(7)) weekdays.add(0); // 7 is Sunday too
  const dayAny = parts[2] === '*';
  const weekdayAny = parts[4] === '*';
  return {
    source,
    matches: (t) => {
      const dayOk =
        dayAny && weekdayAny
          ? true
          : dayAny
            ? weekdays.has(t.weekday)
            : weekdayAny
              ? days.has(t.day)
              : days.has(t.day) || weekdays.has(t.weekday);
      return minutes.has(t.minute) && hours.has(t.hour) && months.has(t.month) && dayOk;
    },
  };
}

function parseField(text: string, f: { name: string; min: number; max: number }, source: string): Set<number> {
  const out = new Set<number>();
  const bad = (why: string) => new Error(`"${source}": ${f.name} "${text}": ${why}`);
  for (const item of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!m) throw bad('not a number, range, list or step');
    const from = m[1] === '*' ? f.min : Number(m[2]);
    const to = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < f.min || to > f.max || from > to) throw bad(`outside ${f.min}-${f.max}`);
    if (step < 1) throw bad('step must be at least 1');
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** The local-time fields cron matches against. */
export function localFields(ms: number): { minute: number; hour: number; day: number; month: number; weekday: number } {
  const d = new Date(ms);
  return { minute: d.getMinutes(), hour: d.getHours(), day: d.getDate(), month: d.getMonth() + 1, weekday: d.getDay() };
}
