import type { IncidentActivity } from '../../pipeline/incident';

/**
 * An incident's activity in the order both journals give: by time, then by its content. The
 * table has no key of its own (SQLite's rowid has no PostgreSQL twin), and SQL would order the
 * text by each server's collation and put NULLs first on one and last on the other; sorted
 * here, by code unit, two events of one millisecond come out the same on both.
 */
export function byActivityOrder(a: IncidentActivity, b: IncidentActivity): number {
  return a.at - b.at || cmp(a.kind, b.kind) || cmp(a.who ?? '', b.who ?? '') || cmp(a.detail ?? '', b.detail ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
