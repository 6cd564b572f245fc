import type { StepName } from './alert';
import { callDetail } from './call-details';
import type { Clock, Journal, StepCall, StepListener, StepRecord } from './ports';
import { stepEvent, type EventSink } from './alert-event';
import type { Work } from './pipeline-deps';

/**
 * Where every step outcome goes: the journal, the alert's event for integrations (in the same
 * tick, so the journal writes both in one transaction) and the step listeners (log, metrics).
 */
export class StepRecorder {
  private readonly listeners: StepListener[] = [];
  /** Events told later (emitSoon), by `alertId/step`: each goes out before its step's next record. */
  private readonly soon = new Map<string, () => void>();

  constructor(private readonly deps: { journal: Journal; clock: Clock; events?: EventSink | undefined }) {}

  onStep(listener: StepListener): void {
    this.listeners.push(listener);
  }

  record(
    work: Work,
    step: StepName,
    attempts: number,
    state: StepRecord['state'],
    lastError: string | null,
    detail: string | null,
    started: number,
    nextAt: number | null = null,
    call: StepCall | null = null,
  ): void {
    const now = this.deps.clock.now();
    const alertId = work.alert.id;
    this.soon.get(`${alertId}/${step}`)?.();
    detail ??= call && callDetail(call);
    this.deps.journal.updateStep({ alertId, step, state, attempts, nextAt, lastError, detail, updatedAt: now, call });
    // Same tick as the update: the journal writes both in one transaction.
    const sink = this.deps.events;
    const event =
      sink && stepEvent(work.alert, work.store, { name: step, state, attempts, detail, error: lastError }, now);
    if (sink && event) sink.recordEvent(event);
    this.emit({
      alertId,
      step,
      state,
      attempt: attempts,
      storeId: work.store.store_veesion_id,
      durationMs: now - started,
      ...(lastError !== null ? { error: lastError } : {}),
      ...(detail !== null ? { detail } : {}),
      ...(nextAt !== null ? { nextAt, retryInMs: nextAt - now } : {}),
    });
  }

  /**
   * Tells the listeners after the work of this turn (a call being placed), and in any case
   * before the same step's next record, so they hear a step's states in their order.
   */
  emitSoon(event: Parameters<StepListener>[0]): void {
    const key = `${event.alertId}/${event.step}`;
    const tell = () => {
      if (this.soon.get(key) !== tell) return;
      this.soon.delete(key);
      this.emit(event);
    };
    this.soon.set(key, tell);
    setImmediate(tell);
  }

  emit(event: Parameters<StepListener>[0]): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken observer (log, metric, demo output) must never break an alert.
      }
    }
  }
}
