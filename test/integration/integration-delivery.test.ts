import { join } from 'node:path';
import { SqliteJournal } from '../../src/journal/sqlite-journal';
import { IntegrationDispatcher } from '../../src/integrations/dispatcher';
import { WebhookSender } from '../../src/integrations/webhook-sender';
import { SqsSender } from '../../src/integrations/sqs-sender';
import { MailNotifier } from '../../src/integrations/operator-notice';
import { generateSecret } from '../../src/integrations/signing';
import { WebhookReceiverSimulator } from '../../src/sim/webhook-receiver-sim';
import { receivedEvent } from '../../src/pipeline/alert-event';
import type { Alert, StoreRoute } from '../../src/pipeline/alert';
import { ManualClock } from '../helpers/manual-clock';
import { capturedLogger, waitFor } from '../helpers/quiet-logger';
import { startSmtp } from '../helpers/smtp';
import { tempDir } from '../helpers/paths';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DEFAULT_DELAYS = [0, MIN, 10 * MIN, HOUR, 24 * HOUR];
const store: StoreRoute = {
  store_veesion_id: 's1',
  name: 'One',
  audio_conf_id: '7',
  xbees_channel_id: 'c1',
  location: 'Trento',
};
const alert = (id: string): Alert => ({
  id,
  storeId: 's1',
  cameraId: '3',
  cameraIp: '10.0.0.3',
  groupId: 'g',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: 'https://v.veesion.io/a.mp4',
});

/**
 * The dispatcher with the real journal, a real webhook receiver and a real SMTP server, on a
 * manual clock: each attempt's time is exact, and a day passes in milliseconds.
 */
async function rig(delaysMs = DEFAULT_DELAYS, dir = tempDir('vb-int-')) {
  const clock = new ManualClock(Date.parse('2026-11-22T08:00:00Z'));
  const receiver = new WebhookReceiverSimulator();
  await receiver.start();
  receiver.now = () => clock.now();
  const smtp = await startSmtp();
  const { logger, lines } = capturedLogger();
  const notifier = new MailNotifier(
    {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'bridge@example.com',
      to: ['ops@example.com'],
      timeoutMs: 5000,
    },
    logger,
  );
  const secret = generateSecret();
  receiver.secrets.set('/hook', secret);
  let journal = new SqliteJournal(join(dir, 'journal.sqlite'));
  await journal.integrations.add({
    id: 'int_a',
    type: 'webhook',
    url: `${receiver.url}/hook`,
    secret,
    filter: ['alert.received'],
    scope: 'all',
    createdAt: clock.now(),
  });
  const sqs = new SqsSender({ timeoutMs: 5000 });
  const deps = () => ({
    store: journal.integrations,
    transports: { webhook: new WebhookSender({ timeoutMs: 5000, userAgent: 'test' }), sqs },
    clock,
    delaysMs,
    notifier,
    logger,
  });
  let dispatcher = new IntegrationDispatcher(deps());
  const wire = () => journal.onEventsWritten(() => dispatcher.wake());
  wire();
  dispatcher.start();
  const t0 = clock.now();
  const r = {
    clock,
    receiver,
    smtp,
    t0,
    lines,
    get journal() {
      return journal;
    },
    get dispatcher() {
      return dispatcher;
    },
    emit: (id: string) => journal.recordEvent(receivedEvent(alert(id), store, clock.now())),
    /** Moves the clock to t0 + `offset` and waits (real time) until the receiver has `count` requests. */
    at: async (offset: number, count: number) => {
      await clock.advance(t0 + offset - clock.now());
      await waitFor(() => receiver.received.length >= count, 5000, `${count} requests at +${offset / MIN} min`);
      await clock.advance(0);
      expect(receiver.received).toHaveLength(count);
    },
    attempts: () =>
      receiver.received.map((x) => `${x.event.data.alert ? (x.event.data.alert as Alert).id : '?'}#${x.event.attempt}`),
    restart: async () => {
      await dispatcher.stop();
      await journal.close();
      journal = new SqliteJournal(join(dir, 'journal.sqlite'));
      dispatcher = new IntegrationDispatcher(deps());
      wire();
      dispatcher.start();
    },
    stop: async () => {
      await dispatcher.stop();
      await journal.close();
      notifier.close();
      sqs.stop();
      await receiver.stop();
      await smtp.stop();
    },
  };
  return r;
}

describe('integration deliveries', () => {
  it('retries at 0, 1 min, 10 min, 1 h and 24 h with attempt counting up, one event id, every attempt signed', async () => {
    const r = await rig();
    try {
      r.receiver.answers.push(
        { status: 503 },
        { status: 500 },
        { status: 404 },
        { status: 302, headers: { location: 'http://127.0.0.1:1/' } },
      );
      r.emit('a1');
      await r.at(0, 1);
      const due = [MIN, 11 * MIN, 71 * MIN, 25 * HOUR + 11 * MIN];
      for (const [i, offset] of due.entries()) {
        await r.clock.advance(r.t0 + offset - 1 - r.clock.now());
        await new Promise((res) => setTimeout(res, 30));
        expect(r.receiver.received).toHaveLength(i + 1); // not a millisecond early
        await r.at(offset, i + 2);
      }
      expect(r.attempts()).toEqual(['a1#1', 'a1#2', 'a1#3', 'a1#4', 'a1#5']);
      expect(new Set(r.receiver.received.map((x) => x.event.id)).size).toBe(1);
      expect(new Set(r.receiver.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
      for (const x of r.receiver.received)
        expect(x.verified).toEqual({ xSignature: true, pbxToken: true, standardWebhooks: true });
      await waitFor(async () => (await r.journal.integrations.get('int_a'))?.attempts === 0, 2000, 'settled');
      expect(await r.journal.integrations.outcomes(0)).toEqual([
        { integrationId: 'int_a', outcome: 'delivered', count: 1 },
      ]);
      expect(r.smtp.mails).toHaveLength(0);
    } finally {
      await r.stop();
    }
  });

  it('waits as long as Retry-After asks when that is longer than the schedule', async () => {
    const r = await rig();
    try {
      r.receiver.answers.push({ status: 429, headers: { 'Retry-After': '300' } });
      r.emit('a1');
      await r.at(0, 1);
      await r.clock.advance(4 * MIN);
      await new Promise((res) => setTimeout(res, 30));
      expect(r.receiver.received).toHaveLength(1); // not at the schedule's 1 min
      await r.at(5 * MIN, 2);
      expect(r.attempts()).toEqual(['a1#1', 'a1#2']);
    } finally {
      await r.stop();
    }
  });

  it('disables the integration on 410 Gone and tells the operator', async () => {
    const r = await rig();
    try {
      r.receiver.answers.push({ status: 410 });
      r.emit('a1');
      await r.at(0, 1);
      await waitFor(() => r.smtp.mails.length === 1, 5000, 'notice');
      expect(await r.journal.integrations.get('int_a')).toMatchObject({
        enabled: false,
        disabledReason: expect.stringContaining('410'),
      });
      expect(r.smtp.mails[0]).toMatchObject({
        to: ['ops@example.com'],
        subject: expect.stringContaining('int_a disabled (410 Gone)'),
      });
      r.emit('a2');
      await r.clock.advance(2 * 24 * HOUR);
      await new Promise((res) => setTimeout(res, 50));
      expect(r.receiver.received).toHaveLength(1);
      expect(r.dispatcher.active).toEqual([]);
    } finally {
      await r.stop();
    }
  });

  it('survives a receiver down for a day: the oldest event is given up with one notice, the rest arrive in order', async () => {
    const r = await rig();
    try {
      r.receiver.down = 503;
      r.emit('a1');
      await r.at(0, 1);
      await r.at(MIN, 2);
      await r.at(11 * MIN, 3);
      await r.clock.advance(r.t0 + 30 * MIN - r.clock.now());
      r.emit('a2'); // waits behind a1: order of the alerts
      await r.at(71 * MIN, 4);
      await r.clock.advance(r.t0 + 2 * HOUR - r.clock.now());
      r.emit('a3');
      // a1's fifth and last attempt fails; a2 is tried at once (age 24 h 41 min, inside its schedule)
      await r.at(25 * HOUR + 11 * MIN, 6);
      await waitFor(() => r.smtp.mails.length === 1, 5000, 'notice');
      await r.at(25 * HOUR + 12 * MIN, 7);
      await r.at(25 * HOUR + 22 * MIN, 8);
      r.receiver.down = undefined; // back after 26 hours
      await r.at(26 * HOUR + 22 * MIN, 10);
      expect(r.attempts()).toEqual(['a1#1', 'a1#2', 'a1#3', 'a1#4', 'a1#5', 'a2#1', 'a2#2', 'a2#3', 'a2#4', 'a3#1']);
      const mail = r.smtp.mails[0];
      expect(mail?.subject).toContain('events to integration int_a given up');
      expect(mail?.text).toContain(`alert a1`);
      expect(mail?.text).toContain('Attempts: 5; last error: receiver answered 503');
      expect(await r.journal.integrations.outcomes(0)).toEqual([
        { integrationId: 'int_a', outcome: 'dead', count: 1 },
        { integrationId: 'int_a', outcome: 'delivered', count: 2 },
      ]);
      expect(r.lines().some((l) => l.includes('"integration event given up"') && l.includes('"alertId":"a1"'))).toBe(
        true,
      );
    } finally {
      await r.stop();
    }
  });

  it('sends at most one notice an hour per integration, then one for those held back', async () => {
    const r = await rig([0, MIN]);
    try {
      r.receiver.down = 503;
      r.emit('a1');
      r.emit('a2');
      r.emit('a3');
      await r.at(0, 1);
      await r.at(MIN, 4); // a1 gives up after 2 attempts; a2 and a3 are already a whole schedule old
      await waitFor(() => r.smtp.mails.length === 1, 5000, 'first notice');
      await r.clock.advance(r.t0 + MIN + HOUR - 1 - r.clock.now());
      await new Promise((res) => setTimeout(res, 50));
      expect(r.smtp.mails).toHaveLength(1);
      await r.clock.advance(1);
      await waitFor(() => r.smtp.mails.length === 2, 5000, 'summary notice');
      expect(r.smtp.mails[1]?.text).toContain('Events given up since the last notice: 2');
      // The SMTP server has the mail before the sender hears its answer and records it: wait for that.
      await waitFor(
        async () => (await r.journal.integrations.get('int_a'))?.unnoticedDead === 0,
        10_000,
        'the notice recorded',
      );
    } finally {
      await r.stop();
    }
  });

  it('resumes the schedule after a restart: the attempt count and the next time are in the journal', async () => {
    const r = await rig();
    try {
      r.receiver.answers.push({ status: 503 }, { status: 503 });
      r.emit('a1');
      await r.at(0, 1);
      await r.at(MIN, 2);
      await waitFor(
        async () => (await r.journal.integrations.get('int_a'))?.attempts === 2,
        2000,
        'second failure journaled',
      );
      await r.restart();
      await r.at(11 * MIN, 3);
      expect(r.attempts()).toEqual(['a1#1', 'a1#2', 'a1#3']);
    } finally {
      await r.stop();
    }
  });

  it('delivers a burst in order, once each, with a failure in the middle holding the rest back', async () => {
    const r = await rig();
    try {
      r.receiver.answers.push({ status: 204 }, { status: 204 }, { status: 204 }, { status: 503 });
      const ids = Array.from({ length: 30 }, (_, i) => `b${i + 1}`);
      for (const id of ids) r.emit(id);
      await r.at(0, 4);
      await r.at(MIN, 4 + 27);
      const delivered = r.receiver.received.filter((_, i) => i !== 3).map((x) => (x.event.data.alert as Alert).id);
      expect(delivered).toEqual(ids);
      expect(r.attempts()[3]).toBe('b4#1');
      expect(r.attempts()[4]).toBe('b4#2');
    } finally {
      await r.stop();
    }
  });
});
