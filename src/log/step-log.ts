import type { Logger } from './logger';
import type { BridgeMetrics } from '../http/metrics';
import type { StepEvent, StepRecord } from '../pipeline/ports';

/**
 * Each step outcome as one log line and its metrics (started steps at debug only). A failed
 * attempt says when the next one is; a muted announcement is the operator's own choice (info);
 * only a step given up is an error.
 */
export function logStep(log: Logger, metrics: BridgeMetrics, e: StepEvent): void {
  const fields = {
    alertId: e.alertId,
    store: e.storeId,
    step: e.step,
    attempt: e.attempt,
    state: e.state,
    durationMs: e.durationMs,
    detail: e.detail,
    error: e.error,
  };
  switch (e.state) {
    case 'running':
      return void log.debug('step started', fields);
    case 'succeeded':
      log.info('step succeeded', fields);
      break;
    case 'muted':
      log.info('announcement muted', fields);
      break;
    case 'pending': {
      const next =
        e.nextAt === undefined
          ? {}
          : { nextAttemptAt: new Date(e.nextAt).toISOString(), nextAttemptInS: Math.round((e.retryInMs ?? 0) / 1000) };
      log.warn('step failed, will retry', { ...fields, ...next });
      metrics.stepRetries.inc({ step: e.step });
      break;
    }
    case 'dead':
    case 'expired':
      log.error('step given up', fields);
      break;
    default: {
      const never: never = e.state;
      throw new Error(`unknown step state ${String(never)}`);
    }
  }
  if (e.durationMs !== undefined) metrics.stepDuration.observe({ step: e.step, state: e.state }, e.durationMs / 1000);
}

/**
 * The journal's write-error handler: step updates it could not write, a line per alert (each
 * carries its alertId); `when` says when the step runs again. No steps: maintenance failed.
 */
export function lostSteps(log: () => Logger, when: string): (err: unknown, lost: readonly StepRecord[]) => void {
  return (err, lost) => {
    if (lost.length === 0) return void log().error('journal maintenance failed', { err });
    for (const l of lost)
      log().error(`journal write failed; this step runs again ${when}`, {
        err,
        alertId: l.alertId,
        step: l.step,
        state: l.state,
      });
  };
}
