const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `30m`, `2h`, `7d` -> milliseconds; undefined if it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * (UNITS[m[2] as string] as number) : undefined;
}

/**
 * A point in time given on the command line: a duration back from `now` (`2h`: two hours
 * ago) or an ISO 8601 date/time (`2026-11-22`, `2026-11-22T08:00:00Z`). Throws with the
 * accepted forms.
 */
export function parseSince(text: string, now: number): number {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (Number.isFinite(t)) return t;
  }
  throw new Error(
    `"${text}" is not a time: give a duration back from now (30m, 2h, 7d) or an ISO date (2026-11-22T08:00:00Z)`,
  );
}
