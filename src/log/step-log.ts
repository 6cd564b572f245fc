import type { Logger } from './logger';
import type { BridgeMetrics } from '../http/metrics';
import type { StepEvent, StepRecord } from '../pipeline/ports';

/**
 * Each step outcome as one log line (within the budget above) and its metrics (started steps at debug only). A failed
 * attempt says when the next one is; a muted announcement is the operator's own choice (info);
 * only a step given up is an error.
 */
/**
 * Step lines written one by one each second; past that, they are counted and said in one line
 * a second later. A line costs the event loop about 0.2 ms (formatting, a synchronous write to
 * journald's socket): a storm that drops a thousand queued announcements at once stalled the
 * acknowledgements of new alerts for 0.2-0.5 s. Every step is in the journal all the same
 * (`veesion-bridge alerts`).
 */
export const STEP_LINES_PER_S = 20;

/** logStep behind the per-second budget above; the count of lines held back is logged once the second is over. */
export function stepLogger(log: Logger, metrics: BridgeMetrics, now: () => number = Date.now): (e: StepEvent) => void {
  let second = 0;
  let written = 0;
  const held = new Map<
    string,
    { level: 'info' | 'warn' | 'error'; message: string; step: unknown; count: number; alertIds: string[] }
  >();
  let timer: NodeJS.Timeout | undefined;
  const sayHeld = () => {
    timer = undefined;
    for (const h of held.values())
      log[h.level](`${h.message}: ${h.count} more in one second, not written one by one (the journal has each)`, {
        step: h.step,
        count: h.count,
        alertIds: h.alertIds,
      });
    held.clear();
  };
  const line: LineWriter = (level, message, fields) => {
    const t = Math.floor(now() / 1000);
    if (t !== second) {
      second = t;
      written = 0;
    }
    // Lines the level leaves out cost nothing and count for nothing.
    if (level === 'debug' || !log.isLevelEnabled(level) || ++written <= STEP_LINES_PER_S)
      return void log[level](message, fields);
    // By message and step: a filter on the step (announce, chat) still finds its count.
    const key = `${message}\u0000${String(fields.step)}`;
    const h = held.get(key) ?? { level, message, step: fields.step, count: 0, alertIds: [] };
    h.count++;
    if (h.alertIds.length < 5) h.alertIds.push(fields.alertId);
    held.set(key, h);
    timer ??= setTimeout(sayHeld, 1_000);
    timer.unref();
  };
  return (e) => logStep(line, metrics, e);
}

type LineWriter = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields: { alertId: string } & Record<string, unknown>,
) => void;

function logStep(line: LineWriter, metrics: BridgeMetrics, e: StepEvent): void {
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
      return void line('debug', 'step started', fields);
    case 'succeeded':
      line('info', 'step succeeded', fields);
      break;
    case 'muted':
      line('info', 'announcement muted', fields);
      break;
    case 'pending': {
      const next =
        e.nextAt === undefined
          ? {}
          : { nextAttemptAt: new Date(e.nextAt).toISOString(), nextAttemptInS: Math.round((e.retryInMs ?? 0) / 1000) };
      line('warn', 'step failed, will retry', { ...fields, ...next });
      metrics.stepRetries.inc({ step: e.step });
      break;
    }
    case 'dead':
    case 'expired':
      line('error', 'step given up', fields);
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
