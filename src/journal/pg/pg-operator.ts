import type { Pool, PoolClient } from 'pg';
import type { Alert, StoreRoute } from '../../pipeline/alert';
import { incidentEvent } from '../../pipeline/alert-event';
import { claimedLine, resolvedLine, type FollowUpKind } from '../../pipeline/follow-up';
import type { ClaimResult, Incident, Outcome, ResolveResult } from '../../pipeline/incident';
import { PgIncidentStore } from './pg-incident-store';
import { eventsWanted, insertEvents } from './pg-events';

/**
 * `claim` and `resolve` from the command line on the shared journal: the change, its event for
 * the integrations and its chat follow-up in one transaction, which NOTIFYs the daemons (the
 * conference's holder tells the room, the cron lease's holder posts and delivers).
 */
export class PgOperator {
  private readonly incidents: PgIncidentStore;

  constructor(
    pool: Pool,
    private readonly storeOf: (storeId: string) => StoreRoute | undefined,
  ) {
    this.incidents = new PgIncidentStore(pool);
  }

  find(ref: string): Promise<Incident | undefined> {
    return this.incidents.find(ref);
  }

  claim(id: string, by: string, at: number): Promise<ClaimResult> {
    return this.incidents.claim(id, by, 'cli', at, (client, incident) =>
      this.record(client, incident, 'claimed', claimedLine(incident), at),
    );
  }

  resolve(id: string, outcome: Outcome, by: string | null, at: number): Promise<ResolveResult> {
    return this.incidents.resolve(id, outcome, by, at, (client, incident) =>
      this.record(client, incident, 'resolved', resolvedLine(incident), at),
    );
  }

  private async record(
    client: PoolClient,
    incident: Incident,
    kind: Extract<FollowUpKind, 'claimed' | 'resolved'>,
    line: string,
    at: number,
  ): Promise<void> {
    await client.query({
      name: 'operator-followup',
      text: `INSERT INTO followups (incident_id, kind, store_id, text, created_at, next_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
      values: [incident.id, kind, incident.storeId, line, at],
    });
    if (!(await eventsWanted(client))) return;
    const row = (
      await client.query<{ alert_json: string }>({
        name: 'operator-alert',
        text: 'SELECT alert_json FROM alerts WHERE id = $1',
        values: [incident.firstAlertId],
      })
    ).rows[0];
    if (!row) return; // pruned: nothing to build the event from
    await insertEvents(client, [
      incidentEvent(`alert.${kind}`, JSON.parse(row.alert_json) as Alert, this.storeOf(incident.storeId), incident, at),
    ]);
  }
}
