import type { PoolClient, QueryConfig } from 'pg';
import type { StepRecord } from '../../pipeline/ports';
import { pgText } from './pg-pool';

/** The step updates of a commit, in one statement. */
export async function writeSteps(client: PoolClient, updates: readonly StepRecord[]): Promise<void> {
  const query = stepsQuery(updates);
  if (query) await client.query(query);
}

export function stepsQuery(updates: readonly StepRecord[]): QueryConfig | undefined {
  if (updates.length === 0) return undefined;
  // The last update of a step in this batch wins (they were made in this order).
  const last = new Map(updates.map((u) => [`${u.alertId}\u0000${u.step}`, u]));
  const rows = [...last.values()].sort((a, b) =>
    a.alertId === b.alertId ? (a.step < b.step ? -1 : 1) : a.alertId < b.alertId ? -1 : 1,
  );
  return {
    name: 'update-steps',
    text: `UPDATE steps SET state = u.state, attempts = u.attempts, next_at = u.next_at, last_error = u.last_error, detail = u.detail, updated_at = u.updated_at,
             call_token = u.call_token, call_state = u.call_state, call_channel = u.call_channel
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[])
             AS u(alert_id, step, state, attempts, next_at, last_error, detail, updated_at, call_token, call_state, call_channel)
           WHERE steps.alert_id = u.alert_id AND steps.step = u.step`,
    values: [
      rows.map((u) => u.alertId),
      rows.map((u) => u.step),
      rows.map((u) => u.state),
      rows.map((u) => u.attempts),
      rows.map((u) => u.nextAt),
      rows.map((u) => pgText(u.lastError)),
      rows.map((u) => pgText(u.detail)),
      rows.map((u) => u.updatedAt),
      rows.map((u) => u.call?.token ?? null),
      rows.map((u) => u.call?.state ?? null),
      rows.map((u) => pgText(u.call?.channel ?? null)),
    ],
  };
}
