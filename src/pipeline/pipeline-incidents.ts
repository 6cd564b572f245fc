import type { Announcer } from './announcer';
import { DEFAULT_CLAIMED_TEXT, IncidentLoop } from './incident-loop';
import type { PipelineDeps } from './pipeline-deps';

/**
 * The incident loop of a pipeline whose incidents are on (none otherwise): it speaks through the
 * pipeline's announcer, so a repeat waits its turn in the conference like any announcement.
 * `expireMs`: how long an announcement stays worth making (the announce step's deadline).
 */
export function incidentLoopFor(
  deps: PipelineDeps,
  announcer: Announcer,
  expireMs: number | undefined,
): IncidentLoop | undefined {
  const inc = deps.incidents;
  if (!inc) return undefined;
  return new IncidentLoop({
    incidents: inc.store,
    clock: deps.clock,
    stores: deps.stores,
    alert: inc.alert,
    speak: (req) => announcer.speak(req),
    ...(deps.muted ? { muted: deps.muted } : {}),
    repeatMs: inc.repeatMs,
    repeatMax: inc.repeatMax,
    expireMs,
    ...(deps.originator.answered ? { answeredOnPbx: (token: string) => deps.originator.answered?.(token) } : {}),
    alertText: deps.alertText,
    ...(deps.summaryText ? { summaryText: deps.summaryText } : {}),
    claimedText: inc.claimedText ?? DEFAULT_CLAIMED_TEXT,
    ...(deps.events ? { events: deps.events } : {}),
    ...(inc.report ? { report: inc.report } : {}),
    ...(inc.escalateAfterMs !== undefined ? { escalateAfterMs: inc.escalateAfterMs } : {}),
    ...(inc.callPerson ? { callPerson: inc.callPerson } : {}),
    ...(inc.onError ? { onError: inc.onError } : {}),
    ...(inc.followUps ? { followUps: inc.followUps } : {}),
    ...(inc.owns ? { owns: inc.owns } : {}),
    ...(inc.resumeEveryMs !== undefined ? { resumeEveryMs: inc.resumeEveryMs } : {}),
    ...(inc.repeatsOnPbx ? { repeatsOnPbx: inc.repeatsOnPbx } : {}),
  });
}
