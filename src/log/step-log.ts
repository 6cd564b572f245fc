import type { Logger } from './logger';
import type { BridgeMetrics } from '../http/metrics';
import type { StepEvent } from '../pipeline/ports';

/** Each step outcome as one log line and its metrics (started steps at debug only). */
export function logStep(log: Logger, metrics: BridgeMetrics, e: StepEvent): void {
  const fields = { alertId: e.alertId, store: e.storeId, step: e.step, attempt: e.attempt, state: e.state, durationMs: e.durationMs, detail: e.detail, error: e.error };
  if (e.state === 'running') return void log.debug('step started', fields);
  if (e.state === 'succeeded') log.info('step succeeded', fields);
  else if (e.state === 'pending') log.warn('step failed, will retry', fields);
  else log.error('step given up', fields);
  if (e.durationMs !== undefined) metrics.stepDuration.observe({ step: e.step, state: e.state }, e.durationMs / 1000);
  if (e.state === 'pending') metrics.stepRetries.inc({ step: e.step });
}
