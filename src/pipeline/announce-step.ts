import { callDetail } from './call-details';
import { FenceLost, type CallOriginator, type StepCall } from './ports';
import { StepError, Stopping } from './step-error';
import type { Announcer } from './announcer';
import type { IncidentLoop } from './incident-loop';
import type { PipelineDeps, Work } from './pipeline-deps';
import type { StepRecorder } from './step-recorder';

/** What the announce step works with, besides the alert: the pipeline's ports and parts. */
export interface AnnounceStepParts {
  deps: PipelineDeps;
  recorder: StepRecorder;
  announcer: Announcer;
  incidents: IncidentLoop | undefined;
}

/**
 * One attempt of an alert's announcement. Records the outcome itself: played, muted, dropped by
 * storm control, or expired in an empty room. The call's record is written before the call is
 * placed, so a crash or a takeover mid-call finds it.
 */
export async function announceStep(
  parts: AnnounceStepParts,
  work: Work,
  attempt: number,
  started: number,
): Promise<string> {
  const { deps, recorder, announcer, incidents } = parts;
  const { alert, store, windowFrom } = work;
  const muted = deps.muted?.(store, deps.clock.now());
  if (muted !== undefined) {
    recorder.record(work, 'announce', attempt, 'muted', null, muted, started);
    return muted;
  }
  // Who is in the room is asked once the call is on its way, not before: the question costs the
  // call a round trip to Asterisk, and an announcement into an empty room does no harm. An empty
  // room is not a successful announcement (nobody heard it): escalated as soon as it is known.
  const presence = incidents && deps.roomPresence;
  let nobodyThere: Promise<boolean> | undefined;
  const placed = presence
    ? () => {
        nobodyThere ??= presence(store).then(
          (p) => {
            if (p !== 'empty') return false;
            incidents.escalateNow(alert.id, `room ${store.audio_conf_id} empty when its announcement was due`);
            return true;
          },
          () => false,
        );
      }
    : undefined;
  const heardByNobody = async () => {
    if (!(nobodyThere && (await nobodyThere))) return undefined;
    const reason = `room ${store.audio_conf_id} is empty: nobody heard the announcement; escalated`;
    recorder.record(work, 'announce', attempt, 'expired', reason, null, started);
    return reason;
  };
  const answered = (channel: string, token: string) =>
    recorder.record(work, 'announce', attempt, 'running', null, null, started, null, {
      token,
      state: 'answered',
      channel,
    });
  const calling = (token: string) => {
    const call: StepCall = { token, state: 'calling', channel: null };
    return deps.journal
      .commitStep(
        {
          alertId: alert.id,
          step: 'announce',
          state: 'running',
          attempts: attempt,
          nextAt: null,
          lastError: null,
          detail: callDetail(call),
          updatedAt: deps.clock.now(),
          call,
        },
        deps.fence?.(store),
      )
      .catch((err: unknown) => {
        // Another daemon holds the conference now: its call, not ours (nothing recorded here).
        if (err instanceof FenceLost) throw new Stopping();
        throw new StepError(
          'JOURNAL_WRITE',
          'internal',
          `the call was not placed: its record could not be written to the journal (${err instanceof Error ? err.message : String(err)})`,
          { cause: err },
        );
      });
  };
  // The first attempt's call was written with the alert (its token is durable already).
  const prepared = attempt === 1 ? work.firstCall : undefined;
  let outcome: Awaited<ReturnType<Announcer['announce']>>;
  try {
    outcome = await announcer.announce({
      alert,
      store,
      windowFrom,
      answered,
      calling,
      ...(prepared ? { prepared } : {}),
      ...(placed ? { placed } : {}),
    });
  } catch (err) {
    // A call that failed in an empty room: the room is the news, not the call (no retry).
    const empty = err instanceof Stopping ? undefined : await heardByNobody();
    if (empty) return empty;
    throw err;
  }
  const empty = outcome.kind === 'played' ? await heardByNobody() : undefined;
  if (empty) return empty;
  if (outcome.kind === 'dropped') {
    recorder.record(work, 'announce', attempt, 'expired', outcome.reason, null, started);
    return outcome.reason;
  }
  // Counted on its incident before the step is final: a death between the two then leaves the
  // step unfinished and answered, which the next start counts by its token (once), not a final
  // step whose incident does not know it was heard (said again as a repeat). A count the journal
  // refuses is reported and the step ends all the same: one repeat too many is the lesser harm
  // than an incident whose repeats wait on a step that never ends.
  await incidents?.announced(alert.id, outcome.callToken);
  recorder.record(work, 'announce', attempt, 'succeeded', null, outcome.detail, started);
  return outcome.detail;
}

/**
 * Why a call found in flight was heard, or undefined when it may not have been: recorded as
 * answered, or seen answered on the PBX by this daemon though its own daemon died before it wrote that.
 */
export function heardBefore(call: StepCall, originator: CallOriginator): string | undefined {
  if (call.state === 'answered')
    return `${call.channel ?? 'the call'} answered before a restart; Asterisk played it without the bridge`;
  if (originator.answered?.(call.token) === true)
    return `call ${call.token} answered before its daemon stopped (seen on the PBX); not placed again`;
  return undefined;
}
