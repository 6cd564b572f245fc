import { join } from 'node:path';
import { bootWorld, type World } from '../helpers/world';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/quiet-logger';
import { startSmtp } from '../helpers/smtp';
import { REPO } from '../helpers/paths';
import type { ReceivedWebhook } from '../../src/sim/webhook-receiver-sim';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require(join(REPO, 'examples/verify-webhook.js')) as {
  verifySqsMessage(secret: string, body: string, attrs: unknown): { ok: boolean };
};

const STORES = [
  { store_veesion_id: 'shop-a', name: 'Shop A', audio_conf_id: '21', xbees_channel_id: 'chan-a', location: 'Trento' },
  { store_veesion_id: 'shop-b', name: 'Shop B', audio_conf_id: '22', xbees_channel_id: 'chan-b', location: 'Trento' },
  { store_veesion_id: 'shop-c', name: 'Shop C', audio_conf_id: '23', xbees_channel_id: 'chan-c', location: 'Milano' },
];

interface Added {
  id: string;
  secret: string;
  pbxToken: string;
  filter: string[];
  scope: string;
}

/**
 * The real daemon against the simulators, with integrations added from the real CLI while it
 * runs: a webhook for everything, one scoped to a location and filtered to one type, one
 * scoped to a store, and an SQS queue reached through the AWS SDK.
 */
describe('integrations end to end', () => {
  let w: World;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const added: Record<string, Added> = {};
  const cli = (...args: string[]) =>
    runCli([...args, '--env-file', w.world.envFile, '--stores-file', w.world.storesFile]);
  const alertOf = (r: ReceivedWebhook) => (r.event.data.alert as { id: string }).id;
  const summary = (path: string) =>
    w.world.receiver
      .at(path)
      .filter((r) => r.event.type !== 'ping')
      .map((r) => `${alertOf(r)} ${r.event.type}`);

  beforeAll(async () => {
    smtp = await startSmtp();
    w = await bootWorld({
      stores: STORES,
      settings: {
        BRIDGE_SMTP_HOST: '127.0.0.1',
        BRIDGE_SMTP_PORT: String(smtp.port),
        BRIDGE_SMTP_SECURITY: 'none',
        BRIDGE_OPERATOR_EMAIL: 'ops@example.com',
      },
    });
    const add = async (name: string, ...args: string[]) => {
      const res = await cli('integrations', 'add', ...args, '--json');
      expect(res).toMatchObject({ code: 0 });
      added[name] = (JSON.parse(res.stdout) as { result: Added }).result;
    };
    const url = w.world.receiver.url;
    await add('all', '--type', 'webhook', '--url', `${url}/all`);
    await add(
      'trento',
      '--type',
      'webhook',
      '--url',
      `${url}/trento`,
      '--scope',
      'Trento',
      '--filter',
      'alert.received',
    );
    await add(
      'shopc',
      '--type',
      'webhook',
      '--url',
      `${url}/shopc`,
      '--scope',
      'shop-c',
      '--filter',
      'alert.announced,alert.posted,alert.failed',
    );
    await add('sqs', '--type', 'sqs', '--url', w.world.sqs.queueUrl());
    for (const name of ['all', 'trento', 'shopc']) w.world.receiver.secrets.set(`/${name}`, added[name]?.secret ?? '');
  }, 60_000);

  afterAll(async () => {
    await w?.stop();
    await smtp?.stop();
  });

  it('forwards every event, signed three ways, filtered and scoped, in the order of the alerts', async () => {
    for (const [id, store] of [
      ['e1', 'shop-a'],
      ['e2', 'shop-c'],
      ['e3', 'shop-b'],
    ] as const) {
      expect(
        (await w.post({ alert_uuid: id, location: store, camera_id: '4', video_url: 'https://v.veesion.io/e.mp4' }))
          .status,
      ).toBe(200);
    }
    for (const id of ['e1', 'e2', 'e3']) await w.finished(id);
    // A chat post x-bees refuses outright (400) is given up at once: alert.failed.
    w.world.xbees.down = 400;
    expect((await w.post({ alert_uuid: 'e4', location: 'shop-c', camera_id: '5' })).status).toBe(200);
    await w.finished('e4');
    w.world.xbees.down = undefined;
    await waitFor(
      () =>
        w.world.receiver.at('/all').length === 12 &&
        w.world.sqs.messages.length === 12 &&
        w.world.receiver.at('/shopc').length === 4,
      20_000,
      'deliveries',
    );

    const all = w.world.receiver.at('/all');
    const received = summary('/all').filter((s) => s.endsWith('alert.received'));
    expect(received).toEqual(['e1 alert.received', 'e2 alert.received', 'e3 alert.received', 'e4 alert.received']);
    for (const id of ['e1', 'e2', 'e3']) {
      const types = summary('/all')
        .filter((s) => s.startsWith(`${id} `))
        .map((s) => s.split(' ')[1]);
      expect(types[0]).toBe('alert.received');
      expect(types.slice(1).sort()).toEqual(['alert.announced', 'alert.posted']);
    }
    expect(
      summary('/all')
        .filter((s) => s.startsWith('e4 '))
        .sort(),
    ).toEqual(['e4 alert.announced', 'e4 alert.failed', 'e4 alert.received']);
    expect(summary('/trento')).toEqual(['e1 alert.received', 'e3 alert.received']);
    expect(summary('/shopc').sort()).toEqual([
      'e2 alert.announced',
      'e2 alert.posted',
      'e4 alert.announced',
      'e4 alert.failed',
    ]);

    for (const r of w.world.receiver.received) {
      expect(r.verified).toEqual({ xSignature: true, pbxToken: true, standardWebhooks: true });
      expect(Object.keys(r.event).sort()).toEqual(['attempt', 'data', 'id', 'integrationId', 'time', 'type']);
      expect(r.event.attempt).toBe(1);
      expect(r.headers['webhook-id']).toBe(r.event.id);
    }
    expect(new Set(all.map((r) => r.event.integrationId))).toEqual(new Set([added.all?.id]));
    expect(new Set(all.map((r) => r.event.id)).size).toBe(12);

    const announced = all.find((r) => r.event.type === 'alert.announced' && alertOf(r) === 'e1');
    expect(announced?.event.data).toMatchObject({
      alert: { id: 'e1', storeId: 'shop-a', cameraId: '4', videoUrl: 'https://v.veesion.io/e.mp4' },
      store: {
        store_veesion_id: 'shop-a',
        name: 'Shop A',
        location: 'Trento',
        audio_conf_id: '21',
        xbees_channel_id: 'chan-a',
      },
      step: { name: 'announce', state: 'succeeded', attempts: 1, error: null },
    });
    const failed = all.find((r) => r.event.type === 'alert.failed');
    expect(failed?.event.data).toMatchObject({
      alert: { id: 'e4' },
      step: { name: 'chat', state: 'dead', error: expect.stringContaining('400') },
    });
    expect(Math.max(...all.map((r) => r.body.length))).toBeLessThan(4096); // the video is a link, never the bytes

    const sqs = w.world.sqs.messages;
    // The same events, in the same order: one event id, whichever integration receives it.
    expect(sqs.map((m) => (JSON.parse(m.body) as { id: string }).id)).toEqual(all.map((r) => r.event.id));
    for (const m of sqs) {
      expect(helper.verifySqsMessage(added.sqs?.secret ?? '', m.body, m.attributes).ok).toBe(true);
      expect(m.attributes['webhook-id']?.StringValue).toBe((JSON.parse(m.body) as { id: string }).id);
    }
    expect(
      sqs
        .filter((m) => m.attributes['event-type']?.StringValue === 'alert.received')
        .map((m) => (JSON.parse(m.body) as { data: { alert: { id: string } } }).data.alert.id),
    ).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(w.world.sqs.refused).toEqual([]);
    expect(smtp.mails).toEqual([]);
  }, 90_000);

  it('lists integrations without their secrets, pings one, and removes one', async () => {
    const listed = await cli('integrations', 'list');
    expect(listed.code).toBe(0);
    const body = JSON.parse(listed.stdout) as {
      success: boolean;
      result: { id: string; type: string; url: string; filter: string[]; scope: string }[];
    };
    expect(body.success).toBe(true);
    expect(body.result.map((i) => [i.id, i.type, i.scope])).toEqual([
      [added.all?.id, 'webhook', 'all'],
      [added.trento?.id, 'webhook', 'Trento'],
      [added.shopc?.id, 'webhook', 'shop-c'],
      [added.sqs?.id, 'sqs', 'all'],
    ]);
    expect(body.result[1]).toMatchObject({ url: `${w.world.receiver.url}/trento`, filter: ['alert.received'] });
    for (const a of Object.values(added)) {
      expect(listed.stdout).not.toContain(a.secret);
      expect(listed.stdout).not.toContain(a.secret.slice('whsec_'.length));
    }

    const ping = await cli('integrations', 'test', added.trento?.id ?? '');
    expect(ping).toMatchObject({ code: 0, stdout: expect.stringContaining('delivered (204') });
    const pinged = w.world.receiver.at('/trento').at(-1);
    expect(pinged?.event).toMatchObject({ type: 'ping', integrationId: added.trento?.id, attempt: 1 });
    expect(pinged?.verified).toEqual({ xSignature: true, pbxToken: true, standardWebhooks: true });
    expect(await cli('integrations', 'test', added.sqs?.id ?? '')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('MessageId'),
    });

    w.world.receiver.down = 503;
    const refused = await cli('integrations', 'test', added.all?.id ?? '', '--json');
    w.world.receiver.down = undefined;
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({
      success: false,
      result: { status: 503, error: 'receiver answered 503' },
    });

    expect(await cli('integrations', 'remove', added.sqs?.id ?? '')).toMatchObject({ code: 0 });
    const before = w.world.sqs.messages.length;
    expect((await w.post({ alert_uuid: 'e5', location: 'shop-a', camera_id: '9' })).status).toBe(200);
    await waitFor(
      () => w.world.receiver.at('/all').filter((r) => r.event.type !== 'ping').length === 15,
      20_000,
      'e5 delivered',
    );
    expect(w.world.sqs.messages.length).toBe(before); // nothing after the removal
  }, 60_000);

  it('refuses bad input with usage errors that say what is allowed', async () => {
    const cases: [string[], RegExp][] = [
      [['--type', 'ftp', '--url', 'http://127.0.0.1/'], /--type must be webhook or sqs/],
      [['--type', 'webhook', '--url', 'ftp://x/'], /must be http or https/],
      [['--type', 'webhook', '--url', 'not a url'], /absolute http\(s\) URL/],
      [['--type', 'webhook', '--url', 'http://127.0.0.1/', '--filter', 'alert.bogus'], /unknown: alert.bogus/],
      [
        ['--type', 'webhook', '--url', 'http://127.0.0.1/', '--scope', 'Roma'],
        /location \(Trento, Milano\) or a store_veesion_id/,
      ],
      [['--type', 'sqs', '--url', 'http://127.0.0.1/queue'], /queue URL/],
    ];
    for (const [args, message] of cases) {
      const res = await cli('integrations', 'add', ...args);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(message);
    }
    expect(await cli('integrations', 'remove', 'int_nope')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no integration "int_nope"'),
    });
  }, 60_000);

  it('never logs an integration secret', () => {
    const log = w.logLines().join('\n');
    expect(log).toContain('integration');
    for (const a of Object.values(added)) {
      expect(log).not.toContain(a.secret);
      expect(log).not.toContain(a.pbxToken);
    }
    expect(log).not.toContain(w.world.sqsSecretKey);
  });
});
