import type { StepName, StepState } from '../pipeline/alert';
import type { NewAlertRecord, StepCall, StepRecord } from '../pipeline/ports';

/** A step's or an incident's call columns as a StepCall (null when none is in flight). */
export function stepCall(r: {
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
}): StepCall | null {
  if (r.call_token === null || (r.call_state !== 'calling' && r.call_state !== 'answered')) return null;
  return { token: r.call_token, state: r.call_state, channel: r.call_channel };
}

/** A row of the steps table, as both journals keep it. */
export interface StepRow {
  alert_id: string;
  step: string;
  state: string;
  attempts: number;
  next_at: number | null;
  last_error: string | null;
  detail: string | null;
  updated_at: number;
  call_token: string | null;
  call_state: string | null;
  call_channel: string | null;
  window_from: number | null;
}

/** A steps row as the pipeline reads it. */
export function toStepRecord(r: StepRow): StepRecord {
  return {
    alertId: r.alert_id,
    step: r.step as StepName,
    state: r.state as StepState,
    attempts: r.attempts,
    nextAt: r.next_at,
    lastError: r.last_error,
    detail: r.detail,
    updatedAt: r.updated_at,
    windowFrom: r.window_from,
    call: stepCall(r),
  };
}

/** The call a new alert's step goes in with (see NewAlertRecord.announceCall), if any. */
export function firstCall(r: NewAlertRecord, step: StepName): StepCall | undefined {
  return step === 'announce' && r.announceCall ? { token: r.announceCall, state: 'calling', channel: null } : undefined;
}
