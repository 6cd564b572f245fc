import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type express from 'express';

export interface SimNotification {
  requestId: string;
  body: Record<string, unknown>;
  at: number;
  /** How many times x-hoppers has said it in the headsets so far (the first included). */
  plays: number;
  accepted?: { by: string; at: number };
}

/** The fields `addSmartNotification` takes; anything else is refused, as the PBX's API validates its bodies. */
const REQUIRED_STRINGS = ['from', 'notificationType', 'event', 'broadcastMessage', 'conferenceId'] as const;
const OPTIONAL = ['playFrequency', 'confirmationTimeout', 'queueTimeout', 'priority', 'origin', 'customRid'];
const TYPES = ['broadcastmessage', 'call', 'videocall'];

/**
 * x-hoppers Smart Notifications on the PBX's API, as the public material describes them: the
 * body is validated field by field (required strings, `conferenceId` digits, `playFrequency`
 * 5-30, integers, no unknown field), answered `{"type":"result","result":{"requestId"}}` or
 * `{"type":"error","reason"}`. Each notification is "said" every playFrequency seconds until
 * accepted or its confirmationTimeout; accept() plays the double press, which a stand-in of the
 * PBX's state command (`stateCommand`: it prints `stateFile`) then reports.
 */
export class SmartNotificationsSim {
  readonly notifications: SimNotification[] = [];
  /** The next notifications answer `{"type":"error"}` with this reason. */
  refuseNext: string[] = [];
  readonly stateFile: string;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners: ((n: SimNotification) => void)[] = [];
  private seq = 0;

  constructor(
    readonly path: string,
    dir: string,
  ) {
    this.stateFile = join(dir, 'xhop-state.txt');
    writeFileSync(this.stateFile, '');
  }

  onNotification(listener: (n: SimNotification) => void): void {
    this.listeners.push(listener);
  }

  /** BRIDGE_XHOP_STATE_COMMAND for this simulator. */
  get stateCommand(): string {
    return `cat ${this.stateFile}`;
  }

  handler(): express.RequestHandler {
    return (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const refused = invalid(body);
      if (refused) return void res.status(400).json({ type: 'error', reason: refused });
      const refusal = this.refuseNext.shift();
      if (refusal !== undefined) return void res.json({ type: 'error', reason: refusal });
      const n: SimNotification = {
        requestId: `sn-${++this.seq}-${Date.now().toString(36)}`,
        body,
        at: Date.now(),
        plays: 1,
      };
      this.notifications.push(n);
      for (const l of this.listeners) l(n);
      this.repeat(n, Number(body.playFrequency ?? 10), Number(body.confirmationTimeout ?? 30));
      res.json({ type: 'result', result: { requestId: n.requestId } });
    };
  }

  /** An associate double-pressed push-to-talk: the state command says so from now on. */
  accept(requestId: string, by: string): void {
    const n = this.notifications.find((x) => x.requestId === requestId);
    if (!n || n.accepted) return;
    n.accepted = { by, at: Date.now() };
    writeFileSync(
      this.stateFile,
      `${this.notifications
        .map((x) => `${x.requestId} ${x.accepted ? `accepted by ${x.accepted.by}` : 'playing'}`)
        .join('\n')}\n`,
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
  }

  private repeat(n: SimNotification, everyS: number, forS: number): void {
    const until = n.at + forS * 1000;
    const timer = setInterval(() => {
      if (n.accepted || Date.now() >= until) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      n.plays++;
    }, everyS * 1000).unref();
    this.timers.add(timer);
  }
}

function invalid(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) {
    if (!(REQUIRED_STRINGS as readonly string[]).includes(key) && !OPTIONAL.includes(key))
      return `unknown field ${key}`;
  }
  for (const key of REQUIRED_STRINGS) {
    const v = body[key];
    if (typeof v !== 'string' || v.trim() === '') return `${key} is required (a string)`;
  }
  if (!TYPES.includes(String(body.notificationType).toLowerCase()))
    return 'notificationType must be BroadcastMessage, Call or VideoCall';
  if (!/^[0-9]+$/.test(String(body.conferenceId))) return 'conferenceId must be a conference id (digits)';
  const pf = body.playFrequency;
  if (pf !== undefined && (!Number.isInteger(pf) || (pf as number) < 5 || (pf as number) > 30))
    return 'playFrequency must be an integer from 5 to 30';
  for (const key of ['confirmationTimeout', 'queueTimeout', 'priority']) {
    const v = body[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0)) return `${key} must be a whole number`;
  }
  return undefined;
}
