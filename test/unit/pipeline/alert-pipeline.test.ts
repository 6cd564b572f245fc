import { AlertPipeline, type PipelineDeps } from '../../../src/pipeline/alert-pipeline';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import type {
  CallOriginator,
  ChatPoster,
  Journal,
  NewAlertRecord,
  SpeechRenderer,
  StepEvent,
  StepRecord,
  StoredAlert,
} from '../../../src/pipeline/ports';
import { StepError } from '../../../src/pipeline/step-error';
import { ManualClock } from '../../helpers/manual-clock';

/** An in-memory journal: the pipeline's contract, without SQLite. */
class MemoryJournal implements Journal {
  alerts = new Map<string, StoredAlert>();
  steps = new Map<string, StepRecord>();
  async append(r: NewAlertRecord) {
    if (this.alerts.has(r.alert.id)) return 'duplicate' as const;
    this.alerts.set(r.alert.id, { alert: r.alert, status: r.status, receivedAt: r.receivedAt });
    for (const step of r.steps) {
      // As both journals write it: the announcement's first call, when given, goes in with its alert.
      const call =
        step === 'announce' && r.announceCall
          ? { token: r.announceCall, state: 'calling' as const, channel: null }
          : null;
      this.steps.set(`${r.alert.id}/${step}`, {
        alertId: r.alert.id,
        step,
        state: call ? 'running' : 'pending',
        attempts: 0,
        nextAt: null,
        lastError: null,
        detail: null,
        updatedAt: r.receivedAt,
        call,
      });
    }
    return 'new' as const;
  }
  updateStep(r: StepRecord) {
    this.steps.set(`${r.alertId}/${r.step}`, r);
  }
  async commitStep(r: StepRecord) {
    this.updateStep(r);
  }
  async unfinishedSteps() {
    return [...this.steps.values()].filter((s) => s.state === 'pending' || s.state === 'running');
  }
  async getAlert(id: string) {
    return this.alerts.get(id);
  }
}

const store: StoreRoute = { store_veesion_id: 's1', name: 'Shop', audio_conf_id: '7', xbees_channel_id: 'c1' };
const store2: StoreRoute = { store_veesion_id: 's2', name: 'Shop 2', audio_conf_id: '8', xbees_channel_id: 'c2' };
const alert = (id: string, storeId = 's1'): Alert => ({
  id,
  storeId,
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

function setup(
  opts: { originate?: CallOriginator['originate']; post?: ChatPoster['post']; deps?: Partial<PipelineDeps> } = {},
) {
  const journal = new MemoryJournal();
  const clock = new ManualClock();
  const texts: string[] = [];
  const calls: { alertId: string; conf: string; at: number; callToken?: string | undefined }[] = [];
  const speech: SpeechRenderer = {
    render: async (text) => {
      texts.push(text);
      return { playbackPath: `/snd/${text.length}`, durationMs: 3000, cached: false };
    },
  };
  const originator: CallOriginator = {
    originate:
      opts.originate ??
      (async (req) => {
        calls.push({ alertId: req.alertId, conf: req.store.audio_conf_id, at: clock.now(), callToken: req.callToken });
        return { channel: 'Local/7@x-1;1' };
      }),
  };
  const chat: ChatPoster = {
    post: opts.post ?? (async () => ({ messageId: 'm1', videoAttached: false })),
    postText: async () => ({ messageId: 'm2' }),
  };
  const stores = new Map([
    [store.store_veesion_id, store],
    [store2.store_veesion_id, store2],
  ]);
  const pipeline = new AlertPipeline({
    journal,
    speech,
    originator,
    chat,
    clock,
    stores: () => stores,
    alertText: 'Theft in ${name} on camera ${cameraId}',
    ...opts.deps,
  });
  const events: StepEvent[] = [];
  pipeline.onStep((e) => events.push(e));
  return { journal, clock, pipeline, texts, calls, events };
}

describe('AlertPipeline', () => {
  it('journals, renders the template, announces and posts; a duplicate does nothing more', async () => {
    const { pipeline, journal, texts, calls, clock } = setup();
    await expect(pipeline.ingest(alert('a1'), '{}')).resolves.toBe('accepted');
    await clock.advance(0);
    await expect(pipeline.ingest(alert('a1'), '{}')).resolves.toBe('duplicate');
    await clock.advance(10_000);
    expect(texts).toEqual(['Theft in Shop on camera 3']);
    expect(calls).toHaveLength(1);
    expect(journal.steps.get('a1/announce')).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(journal.steps.get('a1/chat')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: 'message m1 with link only',
    });
  });

  it('keeps an alert for an unknown store as unroutable, with no steps', async () => {
    const { pipeline, journal } = setup();
    await expect(pipeline.ingest(alert('a2', 'nowhere'), '{}')).resolves.toBe('unroutable');
    expect(journal.alerts.get('a2')?.status).toBe('unroutable');
    expect(await journal.unfinishedSteps()).toEqual([]);
  });

  it('never lets two announcements overlap in one conference, keeps their order, and does not hold other conferences', async () => {
    const { pipeline, calls, clock } = setup();
    await pipeline.ingest(alert('a1'), '{}');
    await pipeline.ingest(alert('a2'), '{}');
    await pipeline.ingest(alert('b1', 's2'), '{}');
    await clock.advance(0);
    expect(calls.map((c) => c.alertId)).toEqual(['a1', 'b1']);
    await clock.advance(2999);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls.map((c) => c.alertId)).toEqual(['a1', 'b1', 'a2']);
    expect(calls[2]!.at - calls[0]!.at).toBeGreaterThanOrEqual(3000); // `!`: length asserted above
  });

  it('retries a failed announcement on the fast schedule, then expires it 2 minutes after receipt', async () => {
    const times: number[] = [];
    const { pipeline, journal, clock, events } = setup({
      originate: async () => {
        times.push(clock.now());
        throw new StepError('AMI_NOT_READY', 'connection', 'AMI is disconnected');
      },
    });
    const t0 = clock.now();
    await pipeline.ingest(alert('a1'), '{}');
    await clock.advance(200_000);
    expect(times.map((t) => t - t0)).toEqual([0, 2_000, 7_000, 22_000, 52_000, 112_000]);
    expect(journal.steps.get('a1/announce')).toMatchObject({
      state: 'expired',
      attempts: 6,
      lastError: expect.stringContaining('too late'),
    });
    expect(events.filter((e) => e.step === 'announce' && e.state === 'pending')).toHaveLength(5);
  });

  it('fails a call that hangs up well before its audio ends, retries it, and counts a full-length call as played', async () => {
    let calls = 0;
    let hangUp: () => void = () => {};
    const { pipeline, journal, clock, events } = setup({
      originate: async () => {
        calls++;
        // First call: hung up at once (missing file). Second: hangs up when the test says.
        const ended = calls === 1 ? Promise.resolve() : new Promise<void>((r) => (hangUp = r));
        return { channel: `Local/7@x-${calls};1`, ended };
      },
    });
    await pipeline.ingest(alert('a1'), '{}');
    await clock.advance(100);
    expect(events.find((e) => e.step === 'announce' && e.state === 'pending')?.error).toMatch(
      /hung up after 0\.0 s of 3\.0 s/,
    );
    await clock.advance(2_000);
    expect(calls).toBe(2);
    await clock.advance(2_300); // 2.4 s into 3 s of audio: not yet proven played
    expect(journal.steps.get('a1/announce')?.state).not.toBe('succeeded');
    await clock.advance(200);
    expect(journal.steps.get('a1/announce')).toMatchObject({ state: 'succeeded', attempts: 2 });
    hangUp();
  });

  it('gives up at once on a non-retryable error and keeps the chat going', async () => {
    let posts = 0;
    const { pipeline, journal, clock } = setup({
      post: async () => {
        posts++;
        throw new StepError('XBEES_400', 'bad-input', 'x-bees post message failed: 400');
      },
    });
    await pipeline.ingest(alert('a1'), '{}');
    await clock.advance(100_000);
    expect(posts).toBe(1);
    expect(journal.steps.get('a1/chat')).toMatchObject({
      state: 'dead',
      lastError: expect.stringContaining('not retryable'),
    });
    expect(journal.steps.get('a1/announce')?.state).toBe('succeeded');
  });

  it('resumes unfinished steps from the journal after a restart', async () => {
    const first = setup({
      post: async () => {
        throw new StepError('XBEES_503', 'rejected', 'x-bees 503');
      },
    });
    await first.pipeline.ingest(alert('a1'), '{}');
    await first.clock.advance(10);
    await first.pipeline.stop();
    expect(first.journal.steps.get('a1/chat')).toMatchObject({ state: 'pending', attempts: 1 });
    const second = setup();
    second.journal.alerts = first.journal.alerts;
    second.journal.steps = first.journal.steps;
    second.clock.t = first.clock.t;
    expect(await second.pipeline.resume()).toEqual({ started: 1, waitingForStore: [] });
    await second.clock.advance(60_000);
    expect(second.journal.steps.get('a1/chat')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(second.calls).toHaveLength(0);
  });

  it('after a crash during an answered call, does not place it again: Asterisk plays it on its own', async () => {
    const first = setup({
      originate: async () => ({ channel: 'Local/7@x-1;1', ended: new Promise<void>(() => undefined) }),
    });
    await first.pipeline.ingest(alert('a1'), '{}');
    await first.clock.advance(1_000); // answered, 1 s into 3 s of audio: then the process dies
    // The call's state in fields of its own, not in the detail text.
    expect(first.journal.steps.get('a1/announce')).toMatchObject({
      state: 'running',
      call: { state: 'answered', channel: 'Local/7@x-1;1', token: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    const second = setup();
    second.journal.alerts = first.journal.alerts;
    second.journal.steps = first.journal.steps;
    second.clock.t = first.clock.t;
    await second.pipeline.resume();
    await second.clock.advance(10_000);
    expect(second.calls).toHaveLength(0);
    expect(second.journal.steps.get('a1/announce')).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      detail: expect.stringContaining('answered before a restart'),
    });
  });

  it('a step that ends while a rescan reads the journal is not started again from the stale snapshot', async () => {
    const { pipeline, journal, clock, calls } = setup();
    await pipeline.ingest(alert('a1'), '{}');
    const stale = [...journal.steps.values()].map((r) => ({ ...r })); // both steps pending
    let answer: (r: StepRecord[]) => void = () => undefined;
    journal.unfinishedSteps = () =>
      new Promise((r) => {
        answer = r;
      }); // a slow server journal
    const rescan = pipeline.resume();
    await clock.advance(10_000); // both steps end meanwhile
    expect(journal.steps.get('a1/announce')?.state).toBe('succeeded');
    answer(stale);
    expect(await rescan).toEqual({ started: 0, waitingForStore: [] });
    await clock.advance(10_000);
    expect(calls).toHaveLength(1);
  });

  it("an alert's first call is placed on the token written with the alert, with no write in between; a retry writes its call first", async () => {
    const placed: string[] = [];
    const written: string[] = [];
    let attempt = 0;
    const { pipeline, journal, clock, events } = setup({
      originate: async (req) => {
        placed.push(req.callToken ?? '');
        if (++attempt === 1) throw new StepError('AMI_DISCONNECTED', 'connection', 'lost');
        return { channel: 'Local/7@x-1;1' };
      },
    });
    const commit = journal.commitStep.bind(journal);
    journal.commitStep = async (r) => {
      if (r.call) written.push(r.call.token);
      return commit(r);
    };
    const appended: (string | undefined)[] = [];
    const append = journal.append.bind(journal);
    journal.append = async (r) => {
      appended.push(r.announceCall);
      return append(r);
    };
    await pipeline.ingest(alert('a1'), '{}');
    await new Promise((r) => setImmediate(r));
    expect(placed).toEqual([appended[0]]); // on the alert's own write
    expect(written).toEqual([]);
    await clock.advance(60_000);
    expect(placed).toHaveLength(2);
    expect(placed[1]).not.toBe(placed[0]);
    expect(written).toEqual([placed[1]]); // the retry's call was written before it was placed
    expect(journal.steps.get('a1/announce')?.state).toBe('succeeded');
    // Its observers still hear the step's states in their order.
    expect(events.filter((e) => e.alertId === 'a1' && e.step === 'announce').map((e) => e.state)[0]).toBe('running');
  });

  it('a muted announcement is told running, then muted, in that order', async () => {
    const { pipeline, events } = setup({ deps: { muted: () => 'quiet hours' } });
    await pipeline.ingest(alert('m1'), '{}');
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.step === 'announce').map((e) => e.state)).toEqual(['running', 'muted']);
  });

  it('a call placed by a daemon that died before recording its answer is not placed again when the PBX saw it answered', async () => {
    const tokens: string[] = [];
    const first = setup({
      originate: async (req) => {
        tokens.push(req.callToken ?? '');
        return new Promise(() => undefined);
      },
    }); // dies waiting for the answer
    await first.pipeline.ingest(alert('a1'), '{}');
    await first.clock.advance(1_000);
    expect(first.journal.steps.get('a1/announce')).toMatchObject({
      state: 'running',
      call: { state: 'calling', token: tokens[0], channel: null },
    });
    const take = (answered: boolean | undefined) => {
      const next = setup({ deps: {} });
      next.journal.alerts = first.journal.alerts;
      next.journal.steps = new Map([...first.journal.steps].map(([k, v]) => [k, { ...v }]));
      next.clock.t = first.clock.t;
      (
        next.pipeline as unknown as { deps: { originator: { answered?: (t: string) => boolean | undefined } } }
      ).deps.originator.answered = (t) => (t === tokens[0] ? answered : undefined);
      return next;
    };
    const seen = take(true);
    await seen.pipeline.resume();
    await seen.clock.advance(10_000);
    expect(seen.calls).toHaveLength(0);
    expect(seen.journal.steps.get('a1/announce')).toMatchObject({
      state: 'succeeded',
      detail: expect.stringContaining(`call ${tokens[0]} answered before its daemon stopped`),
    });
    const unknown = take(undefined); // not seen (the call never went out, or nobody was watching): placed
    await unknown.pipeline.resume();
    await unknown.clock.advance(10_000);
    expect(unknown.calls).toHaveLength(1);
  });

  it('steps of a store another daemon owns are left to it, and an owned step is abandoned, unplaced, once ownership is lost', async () => {
    let ours = false;
    const { pipeline, journal, clock, calls } = setup({ deps: { owns: () => ours } });
    expect(await pipeline.ingest(alert('a1'), '{}')).toBe('accepted');
    await clock.advance(10_000);
    expect(calls).toHaveLength(0);
    expect(journal.steps.get('a1/announce')?.state).toBe('pending');
    ours = true; // the conference's lease taken over
    expect(await pipeline.resume()).toEqual({ started: 2, waitingForStore: [] });
    await clock.advance(10_000);
    expect(calls).toHaveLength(1);
    await pipeline.ingest(alert('a2', 's1'), '{}');
    ours = false; // lost before the call went out: the new owner places it
    await clock.advance(10_000);
    expect(calls).toHaveLength(1);
    expect(journal.steps.get('a2/announce')?.state).toBe('pending');
  });

  it('a conference taken over from another daemon gets its next call only once the announcement still playing there ends', async () => {
    let playing = true;
    const asked: string[] = [];
    const { pipeline, clock, calls } = setup({
      deps: {
        announcing: async (room) => {
          asked.push(room);
          return playing;
        },
      },
    });
    pipeline.takeOver('7');
    await pipeline.ingest(alert('a1'), '{}');
    await clock.advance(5_000);
    expect(calls).toHaveLength(0);
    expect(asked.length).toBeGreaterThan(1); // asked again while it played
    expect(new Set(asked)).toEqual(new Set(['7']));
    playing = false;
    await clock.advance(1_000);
    expect(calls.map((c) => c.alertId)).toEqual(['a1']);
  });

  it('a rescan starts only steps not already scheduled here, so a live pending retry never runs twice', async () => {
    let posts = 0;
    const { pipeline, journal, clock } = setup({
      post: async () => {
        posts++;
        if (posts === 1) throw new StepError('XBEES_503', 'rejected', 'x-bees 503');
        return { messageId: 'm2', videoAttached: false };
      },
    });
    await pipeline.ingest(alert('a1'), '{}');
    await clock.advance(10);
    expect(journal.steps.get('a1/chat')).toMatchObject({ state: 'pending', attempts: 1 });
    expect(await pipeline.resume()).toEqual({ started: 0, waitingForStore: [] });
    await clock.advance(60_000);
    expect(posts).toBe(2);
    expect(journal.steps.get('a1/chat')).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('a requeued announcement gets a fresh two-minute window from its replay, and waits for an unknown store', async () => {
    const { pipeline, journal, clock, calls } = setup();
    const old = clock.t - 3_600_000; // received an hour ago: long past its window
    journal.alerts.set('old', { alert: alert('old'), status: 'routed', receivedAt: old });
    journal.alerts.set('elsewhere', { alert: alert('elsewhere', 'gone'), status: 'routed', receivedAt: old });
    const requeued = (alertId: string) => ({
      alertId,
      step: 'announce' as const,
      state: 'pending' as const,
      attempts: 0,
      nextAt: clock.t,
      lastError: 'AMI_DOWN: x',
      detail: null,
      updatedAt: clock.t,
      windowFrom: clock.t,
    });
    journal.steps.set('old/announce', requeued('old'));
    journal.steps.set('elsewhere/announce', requeued('elsewhere'));
    expect(await pipeline.resume()).toEqual({ started: 1, waitingForStore: ['gone'] });
    await clock.advance(10);
    expect(calls.map((c) => c.alertId)).toEqual(['old']);
    expect(journal.steps.get('old/announce')).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(journal.steps.get('elsewhere/announce')?.state).toBe('pending');
  });

  describe('storm control', () => {
    const stormy = (extra: Partial<PipelineDeps> = {}, originate?: CallOriginator['originate']) =>
      setup({
        deps: { storm: { windowMs: 20_000 }, manyAlertsText: '${count} alerts on camera ${cameraId}', ...extra },
        ...(originate ? { originate } : {}),
      });
    const cam = (id: string, cameraId: string, storeId = 's1'): Alert => ({ ...alert(id, storeId), cameraId });

    it('plays the first alert of a camera at once and merges the next ones of the window into one announcement; each keeps its chat post', async () => {
      let posts = 0;
      const { pipeline, journal, clock, calls, texts } = setup({
        deps: { storm: { windowMs: 20_000 }, manyAlertsText: '${count} alerts on camera ${cameraId}' },
        post: async () => ({ messageId: `m${++posts}`, videoAttached: false }),
      });
      await pipeline.ingest(cam('a1', '3'), '{}');
      await clock.advance(1_000);
      for (const id of ['a2', 'a3', 'a4']) await pipeline.ingest(cam(id, '3'), '{}');
      await pipeline.ingest(cam('b1', '5'), '{}'); // another camera, same conference: not merged
      await clock.advance(10_000);
      expect(calls.map((c) => [c.alertId, c.at - calls[0]!.at])).toEqual([
        ['a1', 0],
        ['b1', 3_000],
      ]); // `!`: a1 played first
      await clock.advance(10_000);
      expect(calls.map((c) => [c.alertId, c.at - calls[0]!.at])).toEqual([
        ['a1', 0],
        ['b1', 3_000],
        ['a2', 20_000],
      ]);
      expect(texts).toEqual(['Theft in Shop on camera 3', 'Theft in Shop on camera 5', '3 alerts on camera 3']);
      for (const id of ['a2', 'a3', 'a4']) {
        expect(journal.steps.get(`${id}/announce`)).toMatchObject({
          state: 'succeeded',
          detail: expect.stringContaining('for 3 alerts (a2, a3, a4)'),
        });
      }
      expect(posts).toBe(5);
    });

    it('counts the window from the last answered call: a failed call does not hold back its retry', async () => {
      let tries = 0;
      const { pipeline, journal, clock, calls } = stormy({}, async (req) => {
        if (++tries === 1) throw new StepError('AMI_ORIGINATE_FAILED', 'rejected', 'call failed: reason 0');
        calls.push({ alertId: req.alertId, conf: req.store.audio_conf_id, at: clock.now() });
        return { channel: 'Local/7@x-1;1' };
      });
      const t0 = clock.now();
      await pipeline.ingest(cam('f1', '3'), '{}');
      await clock.advance(5_000);
      expect(calls.map((c) => [c.alertId, c.at - t0])).toEqual([['f1', 2_000]]);
      expect(journal.steps.get('f1/announce')).toMatchObject({ state: 'succeeded', attempts: 2 });
    });

    it('drops an announcement that waited past its two minutes for the conference, instead of playing it late', async () => {
      const { pipeline, journal, clock, calls } = stormy({}, async (req) => {
        if (req.alertId === 'slow') await new Promise<void>((r) => clock.setTimeout(r, 130_000)); // a call that hangs
        calls.push({ alertId: req.alertId, conf: req.store.audio_conf_id, at: clock.now() });
        return { channel: 'Local/7@x-1;1' };
      });
      await pipeline.ingest(cam('slow', '1'), '{}');
      await clock.advance(10);
      await pipeline.ingest(cam('behind', '2'), '{}');
      await clock.advance(200_000);
      expect(calls.map((c) => c.alertId)).toEqual(['slow']);
      expect(journal.steps.get('behind/announce')).toMatchObject({
        state: 'expired',
        lastError: expect.stringContaining('stale'),
      });
      expect(journal.steps.get('behind/chat')?.state).toBe('succeeded');
    });

    it('bounds the waiting announcements of a conference by dropping the oldest', async () => {
      const { pipeline, journal, clock, calls } = stormy({ storm: { windowMs: 0, queueMax: 2 } });
      for (const c of ['1', '2', '3', '4']) await pipeline.ingest(cam(`c${c}`, c), '{}');
      await clock.advance(30_000);
      // c2 was dropped; c3 and c4, due together, share one sentence.
      expect(calls.map((c) => c.alertId)).toEqual(['c1', 'c3']);
      expect(journal.steps.get('c2/announce')).toMatchObject({
        state: 'expired',
        lastError: expect.stringContaining('queue full'),
      });
      expect(journal.steps.get('c4/announce')?.state).toBe('succeeded');
    });

    it('says the cameras of one conference that are due together in one sentence, not one each', async () => {
      const { pipeline, journal, clock, calls, texts } = stormy({
        summaryText: '${count} alerts in ${name}: cameras ${cameras}',
      });
      for (const c of ['3', '7', '9', '12']) await pipeline.ingest(cam(`s${c}`, c), '{}');
      await pipeline.ingest(cam('other', '5', 's2'), '{}'); // another conference: its own sentence
      await clock.advance(30_000);
      // The first camera is said at once; the three that queued behind it share the next call.
      expect(texts).toEqual([
        'Theft in Shop on camera 3',
        'Theft in Shop 2 on camera 5',
        '3 alerts in Shop: cameras 7, 9 and 12',
      ]);
      expect(calls.map((c) => c.alertId)).toEqual(['s3', 'other', 's7']);
      for (const c of ['3', '7', '9', '12']) expect(journal.steps.get(`s${c}/announce`)?.state).toBe('succeeded');
      expect(journal.steps.get('s12/announce')?.detail).toContain('for 3 alerts (s7, s9, s12)');
    });

    it('mutes announcements of a store in quiet hours but still posts the chat record', async () => {
      const { pipeline, journal, clock, calls } = stormy({
        muted: (st) => (st.store_veesion_id === 's2' ? 'quiet hours (22:00-07:00)' : undefined),
      });
      await pipeline.ingest(cam('q1', '1', 's2'), '{}');
      await clock.advance(5_000);
      expect(calls).toHaveLength(0);
      expect(journal.steps.get('q1/announce')).toMatchObject({ state: 'muted', detail: 'quiet hours (22:00-07:00)' });
      expect(journal.steps.get('q1/chat')?.state).toBe('succeeded');
    });

    it('stop() does not wait for a window: merged announcements stay unfinished for the next start', async () => {
      const { pipeline, journal, clock, calls } = stormy();
      await pipeline.ingest(cam('w1', '3'), '{}');
      await clock.advance(100);
      await pipeline.ingest(cam('w2', '3'), '{}');
      await clock.advance(100);
      await pipeline.stop(); // the test clock does not advance: a wait on the window would hang here
      expect(calls.map((c) => c.alertId)).toEqual(['w1']);
      // Unfinished, with the call it went in with (never placed): the next start asks the PBX and places it.
      const w2 = journal.steps.get('w2/announce');
      expect(w2).toMatchObject({ state: 'running', attempts: 0, call: { state: 'calling' } });
      expect(calls.map((c) => c.callToken)).not.toContain(w2?.call?.token);
    });
  });
});
