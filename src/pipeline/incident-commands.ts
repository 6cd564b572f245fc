import type { Alert, StoreRoute } from './alert';
import { incidentEvent, type AlertEvent } from './alert-event';
import { claimedLine, resolvedLine, type FollowUpRequest } from './follow-up';
import type { ClaimResult, ClaimVia, Incident, Outcome, ResolveResult } from './incident';

/** What a winning claim or resolve writes in its own transaction, besides the change itself. */
export interface ChangeWrites {
  /** The chat line owed to the store's conversation (once per incident and kind). */
  followUp: FollowUpRequest;
  /**
   * Its event for the integrations, from the incident's first alert: written only while some
   * integration is enabled and that alert is still journaled.
   */
  event: (firstAlert: Alert) => AlertEvent;
}

/** The journal's side: a claim or resolve and, when it wins, its writes, in one transaction. */
export interface IncidentChanges {
  find(ref: string): Promise<Incident | undefined>;
  claim(
    id: string,
    by: string,
    via: ClaimVia,
    at: number,
    writes?: (incident: Incident) => ChangeWrites,
  ): Promise<ClaimResult>;
  resolve(
    id: string,
    outcome: Outcome,
    by: string | null,
    at: number,
    writes?: (incident: Incident) => ChangeWrites,
  ): Promise<ResolveResult>;
}

/**
 * Claiming and resolving an incident, the one place that says what each implies: the change,
 * its `alert.claimed` or `alert.resolved` for the integrations, and its chat follow-up line,
 * committed together. The command line, the admin API (and so the console) and the incident
 * loop all come here; whoever then tells the room or posts the line reads the journal.
 */
export class IncidentCommands {
  constructor(
    private readonly journal: IncidentChanges,
    private readonly storeOf: (storeId: string) => StoreRoute | undefined,
  ) {}

  /** The incident `ref` names (its id, or the id of any of its alerts). */
  find(ref: string): Promise<Incident | undefined> {
    return this.journal.find(ref);
  }

  claim(id: string, by: string, via: ClaimVia, at: number): Promise<ClaimResult> {
    return this.journal.claim(id, by, via, at, (incident) => ({
      followUp: { incidentId: incident.id, storeId: incident.storeId, kind: 'claimed', text: claimedLine(incident) },
      event: (alert) => incidentEvent('alert.claimed', alert, this.storeOf(incident.storeId), incident, at),
    }));
  }

  resolve(id: string, outcome: Outcome, by: string | null, at: number): Promise<ResolveResult> {
    return this.journal.resolve(id, outcome, by, at, (incident) => ({
      followUp: { incidentId: incident.id, storeId: incident.storeId, kind: 'resolved', text: resolvedLine(incident) },
      event: (alert) => incidentEvent('alert.resolved', alert, this.storeOf(incident.storeId), incident, at),
    }));
  }
}
