import { join } from 'node:path';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { IncidentLoop, type IncidentLoopDeps, type IncidentNews } from '../../../src/pipeline/incident-loop';
import type { AlertEvent } from '../../../src/pipeline/alert-event';
import type { SpeakRequest, SpeakOutcome } from '../../../src/pipeline/announcer';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import { ManualClock } from '../../helpers/manual-clock';
import { tempDir } from '../../helpers/paths';

const store: StoreRoute = { store_veesion_id: 's1', name: 'Store One', audio_conf_id: '7', xbees_channel_id: 'c1' };
const alert = (id: string, cameraId = '3'): Alert => ({
  id,
  storeId: 's1',
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});
const REPEAT_MS = 15_000;

/**
 * The incident loop on the real journal (SQLite) and a manual clock. `speak` behaves like the
 * announcer: it asks `stillWanted` at its turn and again after rendering, and only then places
 * the call. A render can be held open to land a claim in the middle of it.
 */
type CallPerson = NonNullable<IncidentLoopDeps['callPerson']>;

interface Extra {
  escalation?: string[];
  callPerson?: CallPerson;
  repeatMs?: number;
  expireMs?: number;
  /** Replaces the call placing (after the stillWanted checks): a PBX that refuses, or a call that hangs. */
  place?: (req: SpeakRequest) => Promise<SpeakOutcome>;
  /** The alert's own steps in the journal (default: none of its announce step: that is the loop's caller's). */
  steps?: ('announce' | 'chat')[];
  answeredOnPbx?: (token: string) => boolean | undefined;
  repeatsOnPbx?: boolean;
  repeatMax?: number;
}

async function rig(file = join(tempDir(), 'journal.sqlite'), clock = new ManualClock(), extra: Extra = {}) {
  const journal = new SqliteJournal(file);
  const said: { text: string; at: number }[] = [];
  const posted: string[] = [];
  const news: IncidentNews[] = [];
  let holdRender: Promise<void> | undefined;
  let calls = 0;
  const speak = async (req: SpeakRequest): Promise<SpeakOutcome> => {
    if (!req.stillWanted()) return { kind: 'skipped' };
    await holdRender;
    if (!req.stillWanted()) return { kind: 'skipped' };
    if (extra.place) return extra.place(req);
    said.push({ text: req.text, at: clock.now() });
    return { kind: 'played', detail: 'played', callToken: `call-${++calls}` };
  };
  const events: AlertEvent[] = [];
  const loop = new IncidentLoop({
    incidents: journal.incidents,
    clock,
    stores: () => new Map([['s1', { ...store, ...(extra.escalation ? { escalation: extra.escalation } : {}) }]]),
    escalateAfterMs: 40_000, // apart from the last repeat (45 s): each is seen on its own
    ...(extra.callPerson ? { callPerson: extra.callPerson } : {}),
    events: { recordEvent: (e) => events.push(e) },
    alert: async (id) => journal.storedAlert(id)?.alert,
    speak,
    followUps: { add: async (f) => (posted.push(f.text), true) },
    repeatMs: extra.repeatMs ?? REPEAT_MS,
    repeatMax: extra.repeatMax ?? 4,
    ...(extra.expireMs !== undefined ? { expireMs: extra.expireMs } : {}),
    ...(extra.answeredOnPbx ? { answeredOnPbx: extra.answeredOnPbx } : {}),
    ...(extra.repeatsOnPbx ? { repeatsOnPbx: () => true } : {}),
    onError: (err) => {
      throw err;
    },
    alertText: 'Theft on camera ${cameraId}',
    claimedText: '${by} is handling camera ${cameraId}',
    report: (e) => news.push(e),
  });
  const receive = async (id: string, cameraId = '3') => {
    await journal.append({
      alert: alert(id, cameraId),
      status: 'routed',
      rawBody: '{}',
      receivedAt: clock.now(),
      steps: extra.steps ?? ['chat'],
      incident: { room: '7', windowMs: 20_000 },
    });
    return (await journal.incidents.find(id))?.id as string;
  };
  return {
    journal,
    loop,
    clock,
    said,
    posted,
    /** Every chat line: those the loop added, and those written with a claim or resolve. */
    lines: async () => [...posted, ...(await journal.followUps.due(Number.MAX_SAFE_INTEGER, 100)).map((f) => f.text)],
    news,
    events,
    receive,
    file,
    hold: (p: Promise<void> | undefined) => (holdRender = p),
  };
}

describe('IncidentLoop', () => {
  it('repeats an open incident every BRIDGE_REPEAT_S and stops at the claim; the claim is told once', async () => {
    const r = await rig();
    const id = await r.receive('a1');
    r.loop.announced('a1', 'first-100'); // the first announcement, by the alert's own step
    r.loop.announced('a1', 'first-100'); // the same merged call reported for another member: counted once
    await r.clock.advance(REPEAT_MS - 1);
    expect(r.said).toHaveLength(0);
    await r.clock.advance(1);
    expect(r.said.map((s) => s.text)).toEqual(['Theft on camera 3']);
    await r.clock.advance(REPEAT_MS);
    expect(r.said).toHaveLength(2);
    expect(await r.journal.incidents.get(id)).toMatchObject({ state: 'open', announcements: 3 });
    expect(await r.loop.claim('a1', 'Anna', 'cli')).toMatchObject({
      kind: 'claimed',
      incident: { claimedBy: 'Anna', claimedVia: 'cli' },
    });
    await r.clock.advance(5 * REPEAT_MS);
    expect(r.said.map((s) => s.text)).toEqual(['Theft on camera 3', 'Theft on camera 3', 'Anna is handling camera 3']);
    expect(await r.lines()).toEqual([expect.stringMatching(/^Anna is on it \(\d+ s after the alert, camera 3\)$/)]);
    expect(await r.journal.incidents.get(id)).toMatchObject({ state: 'claimed', told: true });
    // A second claim: answered with who was first, recorded, nothing said again.
    expect(await r.loop.claim(id, 'Marco', 'http')).toMatchObject({ kind: 'already', incident: { claimedBy: 'Anna' } });
    await r.clock.advance(REPEAT_MS);
    expect(r.said).toHaveLength(3);
    expect(await r.loop.claim('nope', 'Anna', 'cli')).toEqual({ kind: 'not-found', ref: 'nope' });
    await r.journal.close();
  });

  it('a claim that lands while a repeat is rendering cancels it: no call is placed', async () => {
    const r = await rig();
    await r.receive('b1');
    r.loop.announced('b1', 'first-1');
    let finishRender: () => void = () => undefined;
    r.hold(new Promise<void>((resolve) => (finishRender = resolve)));
    await r.clock.advance(REPEAT_MS); // the repeat is due and rendering
    await r.loop.claim('b1', 'Anna', 'conference');
    r.hold(undefined);
    finishRender();
    await r.clock.advance(1);
    expect(r.said.map((s) => s.text)).toEqual(['Anna is handling camera 3']);
    await r.journal.close();
  });

  it('ends unclaimed after BRIDGE_REPEAT_MAX announcements, and says so loudly', async () => {
    const r = await rig();
    const id = await r.receive('c1');
    r.loop.announced('c1', 'first-1');
    await r.clock.advance(10 * REPEAT_MS);
    expect(r.said).toHaveLength(3); // 1 + 3 repeats = BRIDGE_REPEAT_MAX (4)
    expect(await r.journal.incidents.get(id)).toMatchObject({
      state: 'unclaimed',
      announcements: 4,
      nextRepeatAt: null,
    });
    expect(r.news.filter((n) => n.kind === 'unclaimed')).toHaveLength(1);
    // Late is better than never: an unclaimed incident can still be taken; a resolved one cannot.
    expect(await r.loop.claim(id, 'Late', 'cli')).toMatchObject({ kind: 'claimed', incident: { claimedBy: 'Late' } });
    await r.loop.resolve(id, 'not-found', 'Late');
    expect(await r.loop.claim(id, 'Later', 'cli')).toMatchObject({ kind: 'closed' });
    await r.loop.stop();
    await r.journal.close();
  });

  it('a restart between repeats resumes the schedule; a claim written while it was down is told at start', async () => {
    const clock = new ManualClock();
    const first = await rig(undefined, clock);
    const id = await first.receive('d1');
    first.loop.announced('d1', 'first-1');
    await clock.advance(5_000);
    await first.loop.stop();
    await first.journal.close();

    const second = await rig(first.file, clock);
    await second.loop.resume();
    await clock.advance(REPEAT_MS - 5_000 - 1);
    expect(second.said).toHaveLength(0);
    await clock.advance(1);
    expect(second.said).toHaveLength(1); // due at first announcement + BRIDGE_REPEAT_S, as scheduled before the restart
    await second.loop.stop();
    // The operator claims with the daemon down (the CLI writes the journal) ...
    await second.journal.incidents.claim(id, 'Marco', 'cli', clock.now());
    await second.journal.close();
    const third = await rig(first.file, clock);
    await third.loop.resume(); // ... and the next start tells it, once, and repeats no more.
    await clock.advance(3 * REPEAT_MS);
    expect(third.said.map((s) => s.text)).toEqual(['Marco is handling camera 3']);
    expect(third.news.filter((n) => n.kind === 'claimed')).toHaveLength(1);
    await third.journal.close();
  });

  it('a key press claims the oldest open incident of its room; alerts of one camera within the window are one incident', async () => {
    const r = await rig();
    const older = await r.receive('e1', '3');
    await r.clock.advance(1_000);
    expect(await r.receive('e2', '3')).toBe(older); // same camera, within 20 s
    const newer = await r.receive('e3', '9');
    expect(newer).not.toBe(older);
    expect(await r.loop.claimInRoom('7', 'Anna', 'conference')).toMatchObject({
      kind: 'claimed',
      incident: { id: older, alerts: 2 },
    });
    expect(await r.loop.claimInRoom('7', 'Luca', 'conference')).toMatchObject({
      kind: 'claimed',
      incident: { id: newer },
    });
    expect(await r.loop.claimInRoom('7', 'Zoe', 'conference')).toEqual({ kind: 'nothing-open', room: '7' });
    expect(await r.loop.resolve(older, 'false-alarm', 'Anna')).toMatchObject({
      kind: 'resolved',
      incident: { outcome: 'false-alarm', state: 'resolved' },
    });
    expect(await r.loop.resolve(older, 'theft', 'Anna')).toMatchObject({ kind: 'already' });
    await r.loop.stop();
    await r.journal.close();
  });

  it('an incident whose repeats run out is unclaimed and escalated; the person reached can still claim it', async () => {
    const called: string[] = [];
    const r = await rig(undefined, undefined, {
      escalation: ['PJSIP/201'],
      callPerson: async (channel) => (called.push(channel), { answered: true }),
    });
    const id = await r.receive('u1');
    r.loop.announced('u1', 'first-1');
    await r.journal.incidents.startEscalation('other', 0); // (no such incident: nothing happens)
    await r.clock.advance(39_000);
    r.loop.escalateNow('u1', 'first'); // escalated early (say, the room was empty) ...
    await r.clock.advance(10_000); // ... and the repeats run out at 45 s: no second escalation
    expect((await r.journal.incidents.get(id))?.state).toBe('unclaimed');
    expect(called).toEqual(['PJSIP/201']);
    expect(await r.loop.claimInRoom('7', 'PJSIP/201', 'conference')).toMatchObject({
      kind: 'claimed',
      incident: { claimedBy: 'PJSIP/201' },
    });
    await r.clock.advance(1);
    expect(r.said.at(-1)?.text).toBe('PJSIP/201 is handling camera 3');
    await r.loop.stop();
    await r.journal.close();
  });

  it('escalates an incident still open BRIDGE_ESCALATE_AFTER_S after its alert: the list is called in turn until one answers', async () => {
    const called: string[] = [];
    const answers: Record<string, Awaited<ReturnType<CallPerson>>> = {
      'PJSIP/201': { answered: false, why: 'no-answer' },
      'PJSIP/202': { answered: false, why: 'busy' },
      'PJSIP/203': { answered: true },
    };
    const r = await rig(undefined, undefined, {
      escalation: ['PJSIP/201', 'PJSIP/202', 'PJSIP/203', 'PJSIP/204'],
      callPerson: async (channel, req) => (
        called.push(`${channel} ${req.room} ${req.text}`), answers[channel] ?? { answered: true }
      ),
    });
    const id = await r.receive('f1');
    r.loop.announced('f1', 'first-1');
    await r.clock.advance(40_000 - 1);
    expect(called).toEqual([]);
    await r.clock.advance(1);
    expect(called).toEqual([
      'PJSIP/201 7 Theft on camera 3',
      'PJSIP/202 7 Theft on camera 3',
      'PJSIP/203 7 Theft on camera 3',
    ]);
    expect(await r.journal.incidents.get(id)).toMatchObject({
      state: 'open',
      escalatedTo: 'PJSIP/203',
      escalationNote: expect.stringContaining('answered by PJSIP/203 after PJSIP/201 no-answer; PJSIP/202 busy'),
    });
    expect(r.news.find((n) => n.kind === 'escalated')).toMatchObject({ outcome: 'answered', to: 'PJSIP/203' });
    expect(r.events.map((e) => e.type)).toEqual(['alert.escalated']);
    // Once per incident: the person who answered claims it by pressing 1 (a press in its room).
    r.loop.escalateNow('f1', 'again');
    await r.clock.advance(1);
    expect(called).toHaveLength(3);
    expect(await r.loop.claimInRoom('7', 'PJSIP/203', 'conference')).toMatchObject({ kind: 'claimed' });
    await r.loop.stop();
    await r.journal.close();
  });

  it('no escalation list: nobody is called and the incident is reported unheard; a claimed incident is not escalated', async () => {
    const r = await rig();
    const id = await r.receive('g1');
    r.loop.escalateNow('g1', 'room 7 empty when its announcement was due');
    await r.clock.advance(1);
    expect(r.news.find((n) => n.kind === 'escalated')).toMatchObject({
      outcome: 'no-list',
      to: null,
      note: expect.stringContaining('no escalation list'),
    });
    expect((await r.journal.incidents.get(id))?.escalatedAt).not.toBeNull();

    const called: string[] = [];
    const s = await rig(undefined, undefined, {
      escalation: ['PJSIP/201'],
      callPerson: async (channel) => (called.push(channel), { answered: true }),
    });
    await s.receive('h1');
    s.loop.announced('h1', 'first-1');
    await s.loop.claim('h1', 'Anna', 'cli');
    await s.clock.advance(60_000);
    expect(called).toEqual([]);
    await r.loop.stop();
    await s.loop.stop();
    await r.journal.close();
    await s.journal.close();
  });

  it('an incident whose first announcement never played (muted, an empty room) still repeats and escalates: none is left open with nothing due', async () => {
    const called: string[] = [];
    const r = await rig(undefined, undefined, {
      escalation: ['PJSIP/201'],
      callPerson: async (channel) => (called.push(channel), { answered: false, why: 'no-answer' }),
    });
    const id = await r.receive('m1');
    r.loop.opened('m1'); // its own announcement was muted: never counted
    await r.clock.advance(REPEAT_MS);
    expect(r.said.map((s) => s.text)).toEqual(['Theft on camera 3']);
    await r.clock.advance(40_000);
    expect(called).toEqual(['PJSIP/201']);
    await r.clock.advance(10 * REPEAT_MS);
    expect(await r.journal.incidents.get(id)).toMatchObject({
      state: 'unclaimed',
      escalationNote: expect.stringContaining('nobody answered'),
    });
    await r.loop.stop();
    await r.journal.close();
  });

  it('a resume (SIGUSR2, reload) while a repeat is being said does not say it twice', async () => {
    const r = await rig();
    await r.receive('n1');
    r.loop.announced('n1', 'first-1');
    let finishRender: () => void = () => undefined;
    r.hold(new Promise<void>((resolve) => (finishRender = resolve)));
    await r.clock.advance(REPEAT_MS); // the repeat is due and rendering; its timer is gone
    await r.loop.resume();
    r.hold(undefined);
    finishRender();
    await r.clock.advance(1);
    expect(r.said).toHaveLength(1);
    await r.loop.stop();
    await r.journal.close();
  });

  it('background work that fails (a journal write) is reported, never an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const clock = new ManualClock();
    const file = join(tempDir(), 'journal.sqlite');
    const journal = new SqliteJournal(file);
    await journal.append({
      alert: alert('e1'),
      status: 'routed',
      rawBody: '{}',
      receivedAt: clock.now(),
      steps: ['chat'],
      incident: { room: '7', windowMs: 20_000 },
    });
    const broken = {
      ...journal.incidents,
      find: journal.incidents.find.bind(journal.incidents),
      get: journal.incidents.get.bind(journal.incidents),
      startEscalation: () => {
        throw new Error('disk I/O error');
      },
    } as unknown as ConstructorParameters<typeof IncidentLoop>[0]['incidents'];
    const loop = new IncidentLoop({
      incidents: broken,
      clock,
      stores: () => new Map([['s1', store]]),
      alert: async (id) => journal.storedAlert(id)?.alert,
      speak: async () => ({ kind: 'skipped' }),
      repeatMs: REPEAT_MS,
      repeatMax: 4,
      alertText: 't',
      claimedText: 'c',
      onError: (err) => errors.push(err),
    });
    loop.escalateNow('e1', 'test');
    await clock.advance(1);
    expect(errors).toEqual([expect.objectContaining({ message: 'disk I/O error' })]);
    await loop.stop();
    await journal.close();
  });

  it('a new incident whose schedule cannot be written (disk full) still repeats, and opened() never throws into the ingest', async () => {
    const errors: unknown[] = [];
    const clock = new ManualClock();
    const journal = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    await journal.append({
      alert: alert('f1'),
      status: 'routed',
      rawBody: '{}',
      receivedAt: clock.now(),
      steps: ['chat'],
      incident: { room: '7', windowMs: 20_000 },
    });
    const said: string[] = [];
    const full = Object.assign(Object.create(journal.incidents) as typeof journal.incidents, {
      recordAnnouncement: () => {
        throw new Error('database or disk is full');
      },
    });
    const loop = new IncidentLoop({
      incidents: full,
      clock,
      stores: () => new Map([['s1', store]]),
      alert: async (id) => journal.storedAlert(id)?.alert,
      speak: async (req) => (said.push(req.text), { kind: 'played', detail: '', callToken: `call-${said.length}` }),
      repeatMs: REPEAT_MS,
      repeatMax: 4,
      alertText: 'Theft on camera ${cameraId}',
      claimedText: 'c',
      onError: (err) => errors.push(err),
    });
    expect(() => loop.opened('f1')).not.toThrow();
    await clock.advance(0);
    expect(errors).toEqual([expect.objectContaining({ message: 'database or disk is full' })]);
    await clock.advance(REPEAT_MS);
    expect(said).toEqual(['Theft on camera 3']);
    await loop.stop();
    await journal.close();
  });

  it('repeats of several incidents of one room due together are one sentence, counted for each', async () => {
    const r = await rig();
    const a = await r.receive('p1', '3');
    const b = await r.receive('p2', '9');
    r.loop.announced('p1', 'first-1'); // one summary call said both
    r.loop.announced('p2', 'first-1');
    await r.clock.advance(REPEAT_MS);
    expect(r.said.map((x) => x.text)).toEqual(['Attention! 2 theft alerts in s1: cameras 3 and 9']);
    expect([
      (await r.journal.incidents.get(a))?.announcements,
      (await r.journal.incidents.get(b))?.announcements,
    ]).toEqual([2, 2]);
    await r.loop.claim('p1', 'Anna', 'cli');
    await r.clock.advance(REPEAT_MS);
    // p1 taken: its claim is told, and p2 repeats alone.
    expect(
      r.said
        .map((x) => x.text)
        .slice(1)
        .sort(),
    ).toEqual(['Anna is handling camera 3', 'Theft on camera 9']);
    await r.loop.stop();
    await r.journal.close();
  });

  it('repeats due in quiet hours are not said but use up their turns: no stale alert is announced when the quiet ends', async () => {
    const clock = new ManualClock();
    let quiet = true;
    const journal = new SqliteJournal(join(tempDir(), 'journal.sqlite'));
    const said: string[] = [];
    const loop = new IncidentLoop({
      incidents: journal.incidents,
      clock,
      stores: () => new Map([['s1', store]]),
      alert: async (id) => journal.storedAlert(id)?.alert,
      speak: async (req) => (said.push(req.text), { kind: 'played', detail: '', callToken: `call-${said.length}` }),

      muted: () => (quiet ? 'quiet hours' : undefined),
      repeatMs: REPEAT_MS,
      repeatMax: 4,
      alertText: 't',
      claimedText: 'c',
    });
    await journal.append({
      alert: alert('q1'),
      status: 'routed',
      rawBody: '{}',
      receivedAt: clock.now(),
      steps: ['chat'],
      incident: { room: '7', windowMs: 20_000 },
    });
    loop.opened('q1');
    await clock.advance(5 * REPEAT_MS);
    quiet = false;
    await clock.advance(10 * REPEAT_MS);
    expect(said).toEqual([]);
    expect(await journal.incidents.find('q1')).toMatchObject({ state: 'unclaimed', announcements: 4 });
    await loop.stop();
    await journal.close();
  });
  it('an unclaimed incident whose escalation a crash cut short is called at the next start (or takeover), once', async () => {
    const clock = new ManualClock();
    const called: string[] = [];
    const callPerson: CallPerson = async (channel) => (called.push(channel), { answered: false, why: 'no-answer' });
    const r = await rig(undefined, clock, { escalation: ['PJSIP/201', 'PJSIP/202'], callPerson });
    const id = await r.receive('x1');
    // As a daemon leaves it when it dies while calling the list: repeats ran out, the escalation began, no note.
    await r.journal.incidents.recordAnnouncement(id, 4, null, 'unclaimed', clock.now());
    await r.journal.incidents.startEscalation(id, clock.now());
    await r.loop.resume();
    await r.loop.resume(); // a second look while the calls go on: nothing more
    await clock.advance(1_000);
    expect(called).toEqual(['PJSIP/201', 'PJSIP/202']);
    expect((await r.journal.incidents.get(id))?.escalationNote).toContain('nobody answered');
    await r.loop.resume(); // finished: not called again
    await clock.advance(1_000);
    expect(called).toHaveLength(2);
    await r.loop.stop();
    await r.journal.close();
  });

  it('an incident none of whose announcements can be placed ends unheard at its expiry: no attempt after it, said once in the log, the chat and to integrations, and escalated', async () => {
    const attempts: number[] = [];
    const called: string[] = [];
    const r = await rig(undefined, undefined, {
      repeatMs: 3_000,
      expireMs: 20_000,
      escalation: ['PJSIP/201'],
      callPerson: async (channel) => (called.push(channel), { answered: false, why: 'no-answer' }),
      place: async () => {
        attempts.push(r.clock.now());
        throw new Error('AMI_DOWN: connection refused');
      },
    });
    const openedAt = r.clock.now();
    const id = await r.receive('z1');
    r.loop.opened('z1');
    await r.clock.advance(60_000);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.every((at) => at < openedAt + 20_000)).toBe(true);
    expect(await r.journal.incidents.get(id)).toMatchObject({
      state: 'unheard',
      announcements: 0,
      nextRepeatAt: null,
      escalatedAt: expect.any(Number),
    });
    expect(r.news.filter((n) => n.kind === 'repeat-failed')).toHaveLength(1);
    expect(r.news.filter((n) => n.kind === 'unheard')).toHaveLength(1);
    expect(r.news.filter((n) => n.kind === 'unclaimed')).toHaveLength(0);
    expect(r.events.filter((e) => e.type === 'alert.unheard')).toHaveLength(1);
    expect(r.posted.filter((t) => /not announced in the headsets/.test(t))).toHaveLength(1);
    expect(called).toEqual(['PJSIP/201']);
    // Nobody was reached, but whoever hears of it can still take it.
    expect(await r.loop.claimInRoom('7', 'Anna', 'conference')).toMatchObject({ kind: 'claimed' });
    await r.loop.stop();
    await r.journal.close();
  });

  it('an incident heard once whose repeats cannot be placed any more ends unclaimed at its expiry, not unheard', async () => {
    let up = true;
    const r = await rig(undefined, undefined, {
      repeatMs: 3_000,
      expireMs: 20_000,
      place: async () => {
        if (!up) throw new Error('AMI_DOWN');
        return { kind: 'played', detail: '', callToken: `call-${r.clock.now()}` };
      },
    });
    const id = await r.receive('y1');
    r.loop.announced('y1', 'first-1');
    up = false;
    await r.clock.advance(60_000);
    expect(await r.journal.incidents.get(id)).toMatchObject({ state: 'unclaimed', announcements: 1 });
    expect(r.events.filter((e) => e.type === 'alert.unheard')).toHaveLength(0);
    await r.loop.stop();
    await r.journal.close();
  });

  it("a repeat waits while its alert's own announcement is still under way, and the turn that announcement takes is not said twice", async () => {
    const r = await rig(undefined, undefined, { steps: ['announce', 'chat'] });
    const id = await r.receive('w1');
    r.loop.opened('w1');
    await r.clock.advance(3 * REPEAT_MS); // queued behind a busy conference all this while
    expect(r.said).toHaveLength(0);
    await r.journal.commitStep({
      alertId: 'w1',
      step: 'announce',
      state: 'succeeded',
      attempts: 1,
      nextAt: null,
      lastError: null,
      detail: 'played',
      updatedAt: r.clock.now(),
    });
    await r.loop.announced('w1', 'first-1');
    expect(await r.journal.incidents.get(id)).toMatchObject({
      announcements: 1,
      nextRepeatAt: r.clock.now() + REPEAT_MS,
    });
    await r.clock.advance(REPEAT_MS - 1);
    expect(r.said).toHaveLength(0);
    await r.clock.advance(1);
    expect(r.said).toHaveLength(1);
    await r.loop.stop();
    await r.journal.close();
  });

  it('a repeat answered before a restart counts once at the next start and is not said again; one only placed is placed again', async () => {
    const clock = new ManualClock();
    const file = join(tempDir(), 'journal.sqlite');
    const tokens: string[] = [];
    // The daemon dies during its first repeat: answered, being heard out.
    const first = await rig(file, clock, {
      place: async (req) => {
        tokens.push('t-1');
        await req.calling?.('t-1');
        req.answered?.('Local/7@x-1;1', 't-1');
        return new Promise<SpeakOutcome>(() => undefined);
      },
    });
    const id = await first.receive('v1');
    first.loop.announced('v1', 'first-1');
    await clock.advance(REPEAT_MS);
    expect(await first.journal.incidents.get(id)).toMatchObject({
      announcements: 1,
      call: { token: 't-1', state: 'answered', channel: 'Local/7@x-1;1' },
    });
    await first.journal.close();

    const second = await rig(file, clock);
    await second.loop.resume();
    expect(await second.journal.incidents.get(id)).toMatchObject({
      announcements: 2,
      lastCall: 't-1',
      call: null,
      nextRepeatAt: clock.now() + REPEAT_MS,
    });
    await second.loop.resume(); // a second look counts nothing more
    expect((await second.journal.incidents.get(id))?.announcements).toBe(2);
    await clock.advance(REPEAT_MS - 1);
    expect(second.said).toHaveLength(0);
    await clock.advance(1);
    expect(second.said).toHaveLength(1);
    await second.loop.stop();
    await second.journal.close();

    // Only placed (no answer recorded, none seen on the PBX): the repeat is placed again.
    const third = await rig(join(tempDir(), 'journal.sqlite'), new ManualClock(), {});
    const other = await third.receive('v2');
    third.loop.announced('v2', 'first-1');
    await third.journal.incidents.recordCall([other], { token: 't-2', state: 'calling', channel: null });
    await third.loop.resume();
    expect((await third.journal.incidents.get(other))?.announcements).toBe(1);
    await third.clock.advance(REPEAT_MS);
    expect(third.said).toHaveLength(1);
    await third.loop.stop();
    await third.journal.close();
  });

  it('a store whose headsets get Smart Notifications is repeated by x-hoppers, not the bridge: no repeat, escalated when x-hoppers stops waiting, a headset claim told by x-hoppers', async () => {
    const called: string[] = [];
    const r = await rig(undefined, undefined, {
      repeatsOnPbx: true,
      escalation: ['PJSIP/201'],
      callPerson: async (c) => (called.push(c), { answered: false, why: 'no-answer' }),
    });
    const id = await r.receive('sn1');
    r.loop.opened('sn1');
    await r.loop.announced('sn1', 'request-1');
    await r.clock.advance(2 * REPEAT_MS);
    expect(r.said).toHaveLength(0);
    expect(await r.journal.incidents.get(id)).toMatchObject({ state: 'open', announcements: 1 });
    await r.clock.advance(40_000 - 2 * REPEAT_MS); // BRIDGE_ESCALATE_AFTER_S: x-hoppers' confirmation timeout
    expect((await r.journal.incidents.get(id))?.state).toBe('unclaimed');
    expect(called).toEqual(['PJSIP/201']);
    expect(r.said).toHaveLength(0);

    const other = await r.receive('sn2', '9');
    r.loop.opened('sn2');
    await r.loop.announced('sn2', 'request-2');
    expect(await r.loop.claim('sn2', 'Anna', 'headset')).toMatchObject({
      kind: 'claimed',
      incident: { claimedVia: 'headset' },
    });
    await r.clock.advance(1);
    expect(await r.journal.incidents.get(other)).toMatchObject({ state: 'claimed', told: true });
    expect(r.said).toHaveLength(0); // x-hoppers told the broadcast; a sentence would be one more notification
    expect((await r.lines()).filter((t) => t.startsWith('Anna is on it'))).toHaveLength(1);
    await r.loop.stop();
    await r.journal.close();
  });

  it('one accept of a summary notification claims each incident it named, once', async () => {
    const r = await rig(undefined, undefined, { repeatsOnPbx: true });
    const a = await r.receive('m1', '3');
    const b = await r.receive('m2', '9');
    const results = await r.loop.claimAll(['m1', 'm2', 'm1'], 'Anna', 'headset');
    expect(results.map((x) => x.kind)).toEqual(['claimed', 'claimed']);
    expect([(await r.journal.incidents.get(a))?.claimedBy, (await r.journal.incidents.get(b))?.claimedBy]).toEqual([
      'Anna',
      'Anna',
    ]);
    await r.loop.stop();
    await r.journal.close();
  });

  it('a call recorded after it counted is no call in flight: the next start schedules the repeat as usual', async () => {
    const clock = new ManualClock();
    const r = await rig(undefined, clock);
    const id = await r.receive('s1');
    await r.loop.announced('s1', 't-9');
    await r.journal.incidents.recordCall([id], { token: 't-9', state: 'answered', channel: 'Local/7@x;1' }); // a late write of the answer
    const next = await rig(r.file, clock);
    await next.loop.resume();
    expect((await next.journal.incidents.get(id))?.announcements).toBe(1);
    await clock.advance(REPEAT_MS);
    expect(next.said).toHaveLength(1);
    await next.loop.stop();
    await r.loop.stop();
    await r.journal.close();
    await next.journal.close();
  });

  it('a repeat under way when a count moves the schedule is the only one: the moved timer does not start a second', async () => {
    const r = await rig(undefined, undefined, { repeatMax: 2 });
    const id = await r.receive('q9');
    r.loop.opened('q9');
    let release: () => void = () => undefined;
    r.hold(
      new Promise<void>((res) => {
        release = res;
      }),
    );
    await r.clock.advance(REPEAT_MS); // the first repeat renders, held
    await r.loop.announced('q9', 'first-1'); // the alert's own announcement counted meanwhile: next repeat in one interval
    await r.clock.advance(REPEAT_MS); // that timer fires while the first repeat is still under way
    r.hold(undefined);
    release();
    await r.clock.advance(10 * REPEAT_MS);
    // BRIDGE_REPEAT_MAX 2: the announcement counted, then one repeat, said once.
    expect(r.said).toHaveLength(1);
    expect(await r.journal.incidents.get(id)).toMatchObject({ state: 'unclaimed', announcements: 2 });
    await r.loop.stop();
    await r.journal.close();
  });
});
