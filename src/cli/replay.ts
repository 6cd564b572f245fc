import { requeueAlerts, type ReplayOutcome } from '../journal/replay';
import { readSteps, type StepView } from '../journal/journal-reader';
import { FINAL_STATES, STEP_NAMES, type StepName, type StepState } from '../pipeline/alert';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import type { Db } from '../journal/sql/db';
import { signalDaemon } from './daemon-signal';
import { CliExit, EXIT } from './exit-codes';
import { parseSince } from './time-arg';
import { printableLines } from './printable';
import { recordCommand } from './audit';

export interface ReplayOptions extends GlobalOptions {
  failed?: boolean;
  since?: string;
  step?: string;
  force?: boolean;
  waitS?: string;
}

const isFinal = (state: string) => FINAL_STATES.includes(state as StepState);

/**
 * Requeues the steps of one alert, or of every failed alert since a time, that did not succeed
 *, asks the running daemon to pick them up (SIGUSR2) and follows them until
 * they are final or `--wait-s` runs out. The journal does the requeue, so it also works with
 * the daemon down: the steps run at its next start.
 */
export async function replay(alertId: string | undefined, opts: ReplayOptions): Promise<void> {
  const args = checkArgs(alertId, opts);
  const config = configFor(opts);
  const known = new Set(config.stores.map((s) => s.store_veesion_id));
  const log = (line: string) => {
    if (!opts.json) process.stdout.write(`${printableLines(line)}\n`);
  };
  await withJournal(config, 'replay', 'write', async (db) => {
    const outcomes = await requeueAlerts(db, { ...args, routable: (id) => known.has(id), now: Date.now() });
    logOutcomes(outcomes, log);
    const requeued = outcomes.filter((o) => o.requeued.length > 0);
    for (const o of requeued) await recordCommand(db, 'replay', o.alertId, { steps: o.requeued, force: args.force });
    const daemon = requeued.length > 0 ? wake(db, config.settings.BRIDGE_DATA_DIR) : undefined;
    const asleep = daemon !== undefined && 'notified' in daemon && !daemon.notified;
    if (asleep) log(`queued in the journal; the daemon will run them at its next start (${daemon.reason})`);
    const following = daemon !== undefined && !asleep && args.waitMs > 0;
    const results = following ? await follow((id) => readSteps(db, id), requeued, args.waitMs, log) : new Map();
    finish(opts, outcomes, results, args.waitMs, log, daemon ?? null);
  });
}

/**
 * Has the daemons pick the requeued steps up: on a shared PostgreSQL journal the requeue itself
 * NOTIFYed every daemon (each conference's holder starts what was requeued there); this host's
 * daemon is woken by SIGUSR2.
 */
function wake(db: Db, dataDir: string): { pid: number } | { notified: boolean; reason: string } {
  if (db.dialect === 'pg') return { notified: true, reason: 'the daemons sharing the journal' };
  const woken = signalDaemon(dataDir, 'SIGUSR2');
  return woken.sent ? { pid: woken.pid } : { notified: false, reason: woken.reason };
}

/** What each alert had requeued; an alert not in the journal is left to the error that ends the command. */
function logOutcomes(outcomes: ReplayOutcome[], log: (l: string) => void): void {
  for (const o of outcomes) if (o.storeId !== undefined) log(outcomeLine(o));
}

function outcomeLine(o: ReplayOutcome): string {
  return (
    `${o.alertId}: ${o.requeued.length > 0 ? `requeued ${o.requeued.join(', ')}` : 'nothing requeued'}` +
    o.skipped.map((s) => `; ${s.step === '*' ? '' : `${s.step} `}${s.reason}`).join('')
  );
}

/** What was requeued and how it went: the summary, the JSON, and the exit code. */
function finish(
  opts: ReplayOptions,
  outcomes: ReplayOutcome[],
  results: Map<string, StepView[]>,
  waitMs: number,
  log: (l: string) => void,
  daemon: object | null,
): void {
  const failed = [...results.values()].flat().filter((s) => s.state === 'dead' || s.state === 'expired');
  const stillPending = [...results.values()].flat().filter((s) => !isFinal(s.state));
  if (stillPending.length > 0)
    log(`${stillPending.length} step(s) still running after ${waitMs / 1000} s: see veesion-bridge status`);
  const missing = outcomes.filter((o) => o.storeId === undefined);
  if (opts.json) {
    print(opts, '', {
      ok: failed.length === 0 && missing.length === 0,
      daemon,
      alerts: outcomes.map((o) => ({ ...o, steps: results.get(o.alertId) ?? null })),
    });
  }
  if (missing.length > 0)
    throw new CliExit(EXIT.failure, `not in the journal: ${missing.map((o) => o.alertId).join(', ')}`);
  if (failed.length > 0) throw new CliExit(EXIT.failure, `${failed.length} replayed step(s) failed again`);
  if (outcomes.length === 0) log('no failed alerts in that period');
}

function checkArgs(alertId: string | undefined, opts: ReplayOptions) {
  const usage = (m: string) =>
    new CliExit(
      EXIT.usage,
      `replay: ${m}\nusage: veesion-bridge replay <alert-id> | replay --failed --since <time> [--step announce|chat] [--force] [--wait-s N]`,
    );
  if ((alertId === undefined) === !opts.failed) throw usage('give an alert id or --failed, not both');
  if (opts.failed && !opts.since)
    throw usage('--failed needs --since (e.g. --since 2h or --since 2026-11-22T08:00:00Z)');
  if (alertId !== undefined && opts.since) throw usage('--since goes with --failed');
  if (opts.step !== undefined && !STEP_NAMES.includes(opts.step as StepName))
    throw usage(`--step is one of ${STEP_NAMES.join(', ')}`);
  const waitS = Number(opts.waitS ?? '60');
  if (!Number.isInteger(waitS) || waitS < 0 || waitS > 3600)
    throw usage('--wait-s is a whole number of seconds, 0 to 3600');
  let failedSince: number | undefined;
  try {
    failedSince = opts.since ? parseSince(opts.since, Date.now()) : undefined;
  } catch (err) {
    throw usage((err as Error).message);
  }
  return {
    ...(alertId !== undefined ? { alertIds: [alertId] } : { failedSince }),
    ...(opts.step ? { steps: [opts.step as StepName] } : {}),
    force: opts.force === true,
    waitMs: waitS * 1000,
  };
}

/** Polls the journal (read-only) and prints each change until every requeued step is final. */
async function follow(
  read: (alertId: string) => Promise<StepView[]>,
  requeued: ReplayOutcome[],
  waitMs: number,
  log: (l: string) => void,
): Promise<Map<string, StepView[]>> {
  const seen = new Map<string, string>();
  const results = new Map<string, StepView[]>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    let open = 0;
    for (const o of requeued) {
      const steps = (await read(o.alertId)).filter((s) => o.requeued.includes(s.step as StepName));
      results.set(o.alertId, steps);
      for (const s of steps) {
        const line = `${o.alertId} ${s.step}: ${s.state}${s.attempts > 0 ? ` after ${s.attempts} attempt(s)` : ''}${s.lastError && s.state !== 'succeeded' ? ` (${s.lastError})` : ''}`;
        if (seen.get(`${o.alertId}/${s.step}`) !== line && s.attempts > 0) log(line);
        seen.set(`${o.alertId}/${s.step}`, line);
        if (!isFinal(s.state)) open++;
      }
    }
    if (open === 0 || Date.now() >= deadline) return results;
    await new Promise((r) => setTimeout(r, 250));
  }
}
