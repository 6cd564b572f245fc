import type { Router } from 'express';
import type { AdminAuthDeps } from './http/admin-auth';

/**
 * One area of the daemon (http, journal, pbx, incidents, chat, ...), as zigbee2mqtt's extensions:
 * built from the config by its own constructor and listed by the daemon, which starts the list in
 * order, drains it in the same order (the front door first: an area stops taking work while the
 * areas behind it finish what it handed them) and stops it in reverse. An area sees the others
 * only through pipeline ports.
 */
export interface Area {
  readonly name: string;
  start(): void | Promise<void>;
  /** Takes no new work. What is in hand goes on: awaited here, or by stop() within the deadline. */
  drain(): void | Promise<void>;
  /** Waits for the work in hand at most until the deadline, then lets go of its sockets, timers, processes and files. */
  stop(deadline: StopDeadline): void | Promise<void>;
  /** What /readyz checks of this area. */
  readonly readiness?: ReadinessCheck | undefined;
  /**
   * The admin routes this area serves (the incidents, the stills...), each behind requireAdmin
   * with the HTTP area's `auth`; mounted in the list's order, after the change nudge of consoles.
   */
  routes?(auth: AdminAuthDeps): Router;
  /** What /readyz shows of this area for `veesion-bridge status` (never a secret). */
  details?(): Record<string, unknown>;
  /** The config files were read again (a reload): the stores may have changed, a certificate been renewed. */
  reloaded?(): void;
  /**
   * The housekeeping job's part here, run in the list's order: what it removed, counted under the
   * name the 'housekeeping done' log line shows. Throws to end the run (logged; it runs again at
   * its next time).
   */
  housekeep?(now: number): Promise<Record<string, number>>;
  /** Several daemons on one journal: the cron lease was taken (true) or lost; cron work runs where it is held. */
  onCronLease?(held: boolean): void;
  /**
   * Someone else may have written work in the journal (a restart, an operator's command, a reload,
   * another daemon's conference taken over): pick it up. Run in the list's order.
   */
  rescan?(reason: RescanReason): void | Promise<void>;
}

/** When the work in hand must have ended (ms since the epoch), and the stop deadline it was set from (for the log). */
export interface StopDeadline {
  at: number;
  ms: number;
}

export type RescanReason = 'start' | 'reload' | 'replay' | 'takeover';

/** A readiness check for /readyz: its name, whether it passes, and why not (never a secret). */
export interface ReadinessCheck {
  name: string;
  ok: () => boolean;
  reason?: () => string | undefined;
}

/** Waits for `work` at most `ms`: true when it was still running then (what stop() reports). */
export function outlasts(work: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([work.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms).unref())]);
}

/** outlasts() until the stop's deadline. */
export function outlastsDeadline(work: Promise<unknown>, deadline: StopDeadline): Promise<boolean> {
  return outlasts(work, Math.max(0, deadline.at - Date.now()));
}

/**
 * Has each area, in order, pick up what the journal holds for it. One that fails (a journal
 * read refused) does not keep the others from theirs: a claim's chat line and event are woken
 * by the chat's and the integrations' rescan even when the steps' read failed. The first failure
 * is thrown once all have run.
 */
export async function rescanAreas(areas: readonly Area[], reason: RescanReason): Promise<void> {
  const failures: unknown[] = [];
  for (const area of areas) {
    try {
      await area.rescan?.(reason);
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/** Starts each area in order; one that fails ends the start (the caller then stops the list). */
export async function startAreas(areas: readonly Area[]): Promise<void> {
  for (const area of areas) await area.start();
}

/** Drains the areas in order, then stops them in reverse, the work in hand waited for until `deadlineMs` after the drain. */
export async function stopAreas(areas: readonly Area[], deadlineMs: number): Promise<void> {
  for (const area of areas) await area.drain();
  const deadline = { at: Date.now() + deadlineMs, ms: deadlineMs };
  for (const area of [...areas].reverse()) await area.stop(deadline);
}
